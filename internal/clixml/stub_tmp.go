package clixml

type primKind uint8

var primitives = [1]struct{ tag, dotnet string }{}

func kindOf(v Value) (primKind, bool) { return 0, false }
