module github.com/palletops/pallet

go 1.26
