package main

// Where and how the reference plugin listens, written out by hand as a non-Go plugin has to:
//
//   - a unix socket named plugin<random number> in PLUGIN_UNIX_SOCKET_DIR (the temporary
//     directory when unset), only its owner may connect (0600); with PLUGIN_UNIX_SOCKET_GROUP
//     (name or number) it belongs to that group and is group-writable (0660). It is bound in a
//     private directory first and renamed into place once its permissions are set;
//   - go-plugin AutoMTLS when PLUGIN_CLIENT_CERT holds the host's certificate: a fresh
//     self-signed ECDSA P-521 certificate for "localhost", TLS requiring the host's certificate,
//     and the certificate's DER in unpadded standard base64 as the handshake's 6th field.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/ioutil"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"
)

func randomUint32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint32(b[:])
}

// listenUnix returns the listener and the socket's path.
func listenUnix() (net.Listener, string, error) {
	dir := os.Getenv("PLUGIN_UNIX_SOCKET_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	gid := -1
	if g := os.Getenv("PLUGIN_UNIX_SOCKET_GROUP"); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil {
			grp, lerr := user.LookupGroup(g)
			if lerr != nil {
				return nil, "", fmt.Errorf("PLUGIN_UNIX_SOCKET_GROUP: %v", lerr)
			}
			if n, err = strconv.Atoi(grp.Gid); err != nil {
				return nil, "", fmt.Errorf("PLUGIN_UNIX_SOCKET_GROUP: gid %q: %v", grp.Gid, err)
			}
		}
		gid = n
	}

	staging, err := ioutil.TempDir(dir, ".refplugin-bind")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(staging)
	staged := filepath.Join(staging, "s")
	l, err := net.Listen("unix", staged)
	if err != nil {
		return nil, "", err
	}
	// The socket is renamed below: removing it at exit is ours to do, by its final name.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	mode := os.FileMode(0o600)
	if gid >= 0 {
		if err := os.Chown(staged, -1, gid); err != nil {
			l.Close()
			return nil, "", err
		}
		mode = 0o660
	}
	if err := os.Chmod(staged, mode); err != nil {
		l.Close()
		return nil, "", err
	}
	for i := 0; i < 100; i++ {
		path := filepath.Join(dir, fmt.Sprintf("plugin%d", randomUint32()))
		if _, err := os.Lstat(path); err == nil {
			continue
		}
		if err := os.Rename(staged, path); err != nil {
			l.Close()
			return nil, "", err
		}
		return l, path, nil
	}
	l.Close()
	return nil, "", errors.New("no free socket name")
}

// autoMTLS returns the server's TLS configuration and the handshake's certificate field when
// the host asked for AutoMTLS (nil and "" otherwise).
func autoMTLS() (*tls.Config, string, error) {
	clientPEM := os.Getenv("PLUGIN_CLIENT_CERT")
	if clientPEM == "" || fault == "no-mtls" {
		return nil, "", nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(clientPEM)) {
		return nil, "", errors.New("PLUGIN_CLIENT_CERT holds no certificate")
	}
	der, key, err := selfSignedLocalhost()
	if err != nil {
		return nil, "", err
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
	}
	return cfg, base64.RawStdEncoding.EncodeToString(der), nil
}

// selfSignedLocalhost makes a certificate of the shape go-plugin uses on both sides.
func selfSignedLocalhost() ([]byte, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
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
		return nil, nil, err
	}
	return der, key, nil
}
