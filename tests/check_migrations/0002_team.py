from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [
        migrations.CreateModel("Team", [("id", models.BigAutoField(primary_key=True))]),
    ]
