package remoting_test

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ipps/ipps/internal/remoting"
	"github.com/ipps/ipps/internal/runspace"
)

// How ippsd mounts the server: one handler for both the Security &
// Compliance and the Exchange Online paths, HTTPS unless the listener is
// loopback, and a graceful Shutdown.
func ExampleNewServer() {
	var auth runspace.Authenticator // ippsd's token validator
	var prov runspace.Provider      // ippsd's compliance runspaces
	srv, err := remoting.NewServer(remoting.Config{
		Endpoints: []remoting.Endpoint{
			{Path: "/powershell-liveid", ResourceURI: remoting.ExchangeResourceURI},
			{Path: "/PowerShell-LiveID-EXO", ResourceURI: remoting.ExchangeResourceURI},
		},
		IdleTimeout: 15 * time.Minute,
	}, auth, prov, slog.Default())
	if err != nil {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv) // the Server matches its paths case-insensitively
	addr := "127.0.0.1:8443"
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if remoting.PlainHTTPAllowed(addr) {
		go hs.ListenAndServe()
	} else {
		go hs.ListenAndServeTLS("server.pem", "server-key.pem")
	}
	// On SIGTERM:
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	hs.Shutdown(ctx)
}

// How ipps connects and runs a command.
func ExampleDial() {
	ctx := context.Background()
	c, err := remoting.Dial(ctx, remoting.ClientConfig{
		URL:         "https://ps.compliance.protection.outlook.com/powershell-liveid?BasicAuthToOAuthConversion=true",
		Username:    "admin@contoso.com",
		TokenSource: func(context.Context) (string, error) { return "<access token>", nil },
	})
	if err != nil {
		return
	}
	defer c.Close(ctx)
	_ = c.Invoke(ctx, []runspace.Command{{Name: "Get-Label"}}, nil, remoting.Handlers{})
}
