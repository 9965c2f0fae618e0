// Command hello is the test program of package wasmbuild.
package main

import "fmt"

func main() { fmt.Println("hello") }
