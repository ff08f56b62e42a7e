module example.com/pgokit-service

go 1.21
