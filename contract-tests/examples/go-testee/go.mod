module example.com/taskhawk-go-testee

go 1.21
