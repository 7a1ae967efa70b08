package minio

import (
	"net/http"
	"testing"
)

// TestOperation: S3 requests are named by what they do, in path style (a MinIO on an address) and
// virtual-host style (bucket.host) alike.
func TestOperation(t *testing.T) {
	o := observed{bucket: "childmatch"}
	for _, tc := range []struct{ method, url, want string }{
		{"GET", "http://127.0.0.1:9000/childmatch/?list-type=2&prefix=cases%2F", "list"},
		{"GET", "http://127.0.0.1:9000/childmatch/cases/0193.json", "get"},
		{"HEAD", "http://127.0.0.1:9000/childmatch/photos/0193", "stat"},
		{"PUT", "http://127.0.0.1:9000/childmatch/cases/0193.json", "put"},
		{"DELETE", "http://127.0.0.1:9000/childmatch/cases/0193.json", "delete"},
		{"HEAD", "http://127.0.0.1:9000/childmatch/", "bucket"},
		{"GET", "http://127.0.0.1:9000/childmatch/?encryption=", "bucket"},
		{"GET", "https://childmatch.s3.example.in/?list-type=2", "list"},
		{"GET", "https://childmatch.s3.example.in/cases/0193.json", "get"},
		{"PUT", "https://childmatch.s3.example.in/", "bucket"},
	} {
		r, err := http.NewRequest(tc.method, tc.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.operation(r); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.url, got, tc.want)
		}
	}
}
