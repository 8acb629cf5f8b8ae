package main

// Checks on where and how the plugin listens: the unix socket (place, mode, group, removal)
// and go-plugin AutoMTLS (the server certificate in the handshake line, and that clients
// without the host's certificate are refused).

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health/grpc_health_v1"
)

type socketInfo struct {
	isSocket bool
	perm     os.FileMode
	gid      int
	err      error
}

func (s socketInfo) String() string {
	if s.err != nil {
		return s.err.Error()
	}
	return fmt.Sprintf("socket=%v mode=%#o gid=%d", s.isSocket, s.perm, s.gid)
}

func statSocket(path string) socketInfo {
	fi, err := os.Lstat(path)
	if err != nil {
		return socketInfo{err: err}
	}
	info := socketInfo{isSocket: fi.Mode()&os.ModeSocket != 0, perm: fi.Mode().Perm(), gid: -1}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		info.gid = int(st.Gid)
	}
	return info
}

// clientCertPEM makes a certificate like the one go-plugin's AutoMTLS client sends (the
// same shape as the server's) and returns its PEM and the matching tls.Certificate.
func clientCertPEM() (string, tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		return "", tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return "", tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"HashiCorp"}},
		DNSNames:              []string{"localhost"},
		NotBefore:             now.Add(-30 * time.Second),
		NotAfter:              now.Add(262980 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "", tls.Certificate{}, err
	}
	var buf bytes.Buffer
	pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	return buf.String(), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// checkServerCert decodes the handshake's 6th field the way go-plugin's client does
// (base64.RawStdEncoding, then x509.ParseCertificate) and compares the certificate with the
// one go-plugin generates. It returns the problems found and a description.
func checkServerCert(field string) ([]string, string) {
	var problems []string
	der, err := base64.RawStdEncoding.DecodeString(field)
	if err != nil {
		return []string{fmt.Sprintf("not unpadded standard base64: %v", err)}, ""
	}
	if len(field) <= 50 {
		problems = append(problems, "50 characters or fewer: go-plugin's client ignores such a field")
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return []string{fmt.Sprintf("not an X.509 certificate: %v", err)}, ""
	}
	curve := "?"
	if k, ok := cert.PublicKey.(*ecdsa.PublicKey); ok {
		curve = k.Curve.Params().Name
	}
	if curve != "P-521" {
		problems = append(problems, fmt.Sprintf("key is %T %s, go-plugin uses ECDSA P-521", cert.PublicKey, curve))
	}
	if cert.Subject.CommonName != "localhost" || strings.Join(cert.Subject.Organization, ",") != "HashiCorp" {
		problems = append(problems, fmt.Sprintf("subject %q, go-plugin uses CN=localhost,O=HashiCorp", cert.Subject.String()))
	}
	if len(cert.DNSNames) != 1 || cert.DNSNames[0] != "localhost" {
		problems = append(problems, fmt.Sprintf("DNS names %v, want [localhost]", cert.DNSNames))
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		problems = append(problems, "not a CA certificate (go-plugin's is, and the host trusts it as its own root)")
	}
	wantKU := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageKeyAgreement | x509.KeyUsageCertSign
	if cert.KeyUsage != wantKU {
		problems = append(problems, fmt.Sprintf("key usage %#x, want %#x", cert.KeyUsage, wantKU))
	}
	eku := map[x509.ExtKeyUsage]bool{}
	for _, u := range cert.ExtKeyUsage {
		eku[u] = true
	}
	if len(cert.ExtKeyUsage) != 2 || !eku[x509.ExtKeyUsageServerAuth] || !eku[x509.ExtKeyUsageClientAuth] {
		problems = append(problems, fmt.Sprintf("extended key usage %v, want clientAuth and serverAuth", cert.ExtKeyUsage))
	}
	now := time.Now()
	life := cert.NotAfter.Sub(cert.NotBefore)
	if cert.NotBefore.After(now) || now.Sub(cert.NotBefore) > 5*time.Minute {
		problems = append(problems, fmt.Sprintf("not before %s, want about 30 s ago", cert.NotBefore))
	}
	want := 262980*time.Hour + 30*time.Second
	if life < want-time.Minute || life > want+time.Minute {
		problems = append(problems, fmt.Sprintf("valid for %s, go-plugin's is valid for 262980h0m30s", life))
	}
	if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() < 64 {
		problems = append(problems, fmt.Sprintf("serial %s does not look random", cert.SerialNumber))
	}
	// What go-plugin's client does with it: the only root, server name "localhost".
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost", CurrentTime: now}); err != nil {
		problems = append(problems, fmt.Sprintf("does not verify as its own root for localhost: %v", err))
	}
	desc := fmt.Sprintf("%s %s, DNS %v, CA %v, not after %s, %d-byte DER", cert.PublicKeyAlgorithm, curve,
		cert.DNSNames, cert.IsCA, cert.NotAfter.Format("2006-01-02"), len(der))
	return problems, desc
}

// probe dials the plugin's socket with the given transport credentials (nil = no TLS) and
// asks Health/Check; it returns the call's error.
func probe(path string, creds credentials.TransportCredentials) error {
	opts := []grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}),
	}
	if creds == nil {
		opts = append(opts, grpc.WithInsecure())
	} else {
		opts = append(opts, grpc.WithTransportCredentials(creds))
	}
	conn, err := grpc.Dial("unused", opts...)
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err = grpc_health_v1.NewHealthClient(conn).Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: "plugin"})
	return err
}

// checkRefusedClients makes sure that, under AutoMTLS, only the host's certificate gets in:
// a client without TLS, a TLS client without a certificate and one with another certificate
// must all fail a health check.
func checkRefusedClients(rep *reporter, path string) {
	err := probe(path, nil)
	rep.check("a client without TLS is refused", err != nil, "health check: %v", err)

	anyServer := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}
	err = probe(path, credentials.NewTLS(anyServer))
	rep.check("a TLS client without a client certificate is refused", err != nil, "health check: %v", err)

	_, other, cerr := clientCertPEM()
	if cerr != nil {
		rep.fail("a TLS client with another certificate is refused", "making a certificate: %v", cerr)
		return
	}
	stranger := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", Certificates: []tls.Certificate{other}}
	err = probe(path, credentials.NewTLS(stranger))
	rep.check("a TLS client with another certificate of the same shape is refused", err != nil, "health check: %v", err)
}
