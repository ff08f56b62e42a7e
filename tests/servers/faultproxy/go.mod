module pgokit/tests/faultproxy

go 1.21
