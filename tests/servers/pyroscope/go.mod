module pgokit/tests/servers/pyroscope

go 1.21
