module github.com/clusterdb/clusterdb/sdks/go

go 1.19
