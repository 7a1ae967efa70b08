package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// runExport is `childmatch export --server URL (--case ID ... | --query kind=found&status=open) --out FILE`:
// one ZIP of the cases (childmatch.ExportManifest says what it holds), written by the service
// (GET /v1/export, admins only, recorded in its audit trail) and saved here as it arrives; a file cut
// short is removed.
func runExport(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	fl.SetOutput(os.Stderr)
	server := fl.String("server", "", "the service's address")
	var cases []string
	fl.Func("case", "a case id to export (repeat for several)", func(v string) error {
		cases = append(cases, v)
		return nil
	})
	query := fl.String("query", "", "instead of --case, the case list's filters as a query: kind=found&status=open")
	out := fl.String("out", "childmatch-export.zip", "the ZIP to write")
	tokenFile := fl.String("token-file", "", "a file holding an admin's token (default: $CHILDMATCH_TOKEN)")
	if err := fl.Parse(args); err != nil {
		return usageError("%v", err)
	}
	q := url.Values{}
	switch {
	case fl.NArg() > 0:
		return usageError("unexpected arguments %q", fl.Args())
	case *server == "":
		return usageError("--server is required")
	case (len(cases) == 0) == (*query == ""):
		return usageError("give --case (one or more) or --query")
	case *query != "":
		var err error
		if q, err = url.ParseQuery(*query); err != nil {
			return usageError("--query: %v", err)
		}
		for k := range q {
			if k != "kind" && k != "status" {
				return usageError("--query filters by kind and status only, not %q", k)
			}
		}
	}
	for _, c := range cases {
		q.Add("case", c)
	}
	cl, err := connect(*server, *tokenFile)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = cl.do(ctx, http.MethodGet, "/v1/export?"+q.Encode(), "", nil, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "exported %s to %s\n", strings.Join(cases, ", ")+*query, *out)
	return nil
}
