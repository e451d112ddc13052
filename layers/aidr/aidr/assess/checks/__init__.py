"""The checks, one module per service; each module registers its checks with :func:`aidr.assess.registry.check`."""
