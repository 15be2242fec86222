package replicaset

import (
	"maps"
	"os"
	"strings"
	"testing"
)

func TestReadEnvFileAsComposeDoes(t *testing.T) {
	path := t.TempDir() + "/.env"
	content := "# Dify's docker/.env\nCONSOLE_API_URL=\nDB_HOST=db_postgres\nDB_PASSWORD='difyai 123456'\nSECRET_KEY=sk-9f73s3ljTXVcMT3Blb3ljTqtsKiGHXVcMT3BlbkFJLK7U\n" +
		"DB_URL=postgresql://${DB_HOST}:5432 # comment\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := ReadEnvFile(path, []string{"SECRET_KEY"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"CONSOLE_API_URL": "", "DB_HOST": "db_postgres", "DB_PASSWORD": "difyai 123456", "DB_URL": "postgresql://db_postgres:5432"}
	if !maps.Equal(env, want) {
		t.Fatalf("got %q, want %q", env, want)
	}
	if _, err := ReadEnvFile(path+".missing", nil); err == nil || !strings.Contains(err.Error(), ".env.missing") {
		t.Fatalf("a missing file must be named: %v", err)
	}
}
