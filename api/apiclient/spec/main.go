// Command spec writes the API's OpenAPI document, as the service serves it at /openapi.json, to stdout.
package main

import (
	"fmt"
	"os"

	"childmatch/api"
)

func main() {
	doc, err := api.OpenAPI()
	if err != nil {
		fmt.Fprintln(os.Stderr, "spec:", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(doc, '\n'))
}
