module pgokit/tests/servers/faultserver

go 1.21
