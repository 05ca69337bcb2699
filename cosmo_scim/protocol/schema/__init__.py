"""RFC 7643 schemas: the data (:mod:`.definitions`, :mod:`.meta_schemas`), the discovery
documents rendered from it (:mod:`.discovery`) and attribute resolution (:mod:`.resolve`)."""
