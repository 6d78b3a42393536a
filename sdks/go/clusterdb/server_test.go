package clusterdb_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clusterdb/clusterdb/sdks/go/clusterdb"
)

// server is the real `clusterdb` binary on a loopback port; CLUSTERDB_BIN
// names it (default: the workspace's debug build).
type server struct {
	t       *testing.T
	dir     string
	flags   []string
	port    string
	URL     string
	Key     string
	process *exec.Cmd
}

func binary() string {
	if path := os.Getenv("CLUSTERDB_BIN"); path != "" {
		return path
	}
	root, _ := filepath.Abs("../../..")
	return filepath.Join(root, "target", "debug", "clusterdb")
}

func startServer(t *testing.T, flags ...string) *server {
	t.Helper()
	s := &server{t: t, dir: t.TempDir(), flags: flags, port: "0"}
	s.start()
	key, err := os.ReadFile(filepath.Join(s.dir, "data.redb.admin-key"))
	if err != nil {
		t.Fatal(err)
	}
	s.Key = strings.TrimSpace(string(key))
	t.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	s.t.Helper()
	args := append([]string{"serve", "--listen", "127.0.0.1:" + s.port, "--data", filepath.Join(s.dir, "data.redb")}, s.flags...)
	cmd := exec.Command(binary(), args...)
	log, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stderr = log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.process = cmd
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if line := lines.Text(); strings.HasPrefix(line, "listening on ") {
			s.URL = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
			s.port = s.URL[strings.LastIndex(s.URL, ":")+1:]
			go func() {
				for lines.Scan() {
				}
			}()
			return
		}
	}
	logged, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	s.t.Fatalf("the server did not start: %s", logged)
}

func (s *server) stop() {
	if s.process == nil {
		return
	}
	_ = s.process.Process.Signal(syscall.SIGTERM)
	_ = s.process.Wait()
	s.process = nil
}

func (s *server) restart() {
	s.stop()
	s.start()
}

func (s *server) client(options ...clusterdb.Option) *clusterdb.Client {
	return clusterdb.New(s.URL, append([]clusterdb.Option{clusterdb.WithAPIKey(s.Key)}, options...)...)
}

var counter int64

// unique is a name no other test uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), atomic.AddInt64(&counter, 1))
}

// eventually polls check until it is true or 15 s passed.
func eventually(t *testing.T, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}
