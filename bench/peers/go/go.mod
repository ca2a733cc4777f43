module libmpsc-bench-go

go 1.19
