module pgokit/tests/tokenserver

go 1.21
