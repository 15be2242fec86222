package platformtest

import (
	"crypto/tls"
	"encoding/pem"
	"net/http/httptest"
	"os"
	"path/filepath"
)

// TrustTLSFakes makes this process trust the TLS fakes (LangSmith and Weave
// refuse plain HTTP). httptest serves one fixed certificate, so trusting it
// through SSL_CERT_FILE, which Go reads when it first verifies a
// certificate, covers every fake. Call it from TestMain before any TLS
// handshake; call the returned function when done.
func TrustTLSFakes() (cleanup func(), err error) {
	srv := httptest.NewTLSServer(nil)
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	srv.Close()
	dir, err := os.MkdirTemp("", "llmops-ca")
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, cert, 0o600); err != nil {
		return nil, err
	}
	os.Setenv("SSL_CERT_FILE", file)
	return func() { os.RemoveAll(dir) }, nil
}

// testCertificate is httptest's fixed certificate (valid for 127.0.0.1),
// the one TrustTLSFakes makes this process trust, for the gRPC TLS fake.
func testCertificate() *tls.Certificate {
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	defer srv.Close()
	return &srv.TLS.Certificates[0]
}
