// Command emptygo is the smallest Go command module, for the start-up
// benchmark: its cost is the Go runtime's initialisation.
package main

func main() {}
