package replicaset

import (
	"fmt"
	"maps"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

// ReadEnvFile reads a Compose env file (Dify's docker/.env) with
// compose-go's parser, the one `docker compose` uses, so quoting, comments
// and ${VAR} references inside the file read as Compose reads them. Keys
// named in secret are left out: they are delivered as secret files, and a
// value kept in the environment would show in `docker inspect`.
func ReadEnvFile(path string, secret []string) (map[string]string, error) {
	env, err := dotenv.ReadFile(path, func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, fmt.Errorf("reading env file %s: %w", path, err)
	}
	out := maps.Clone(env)
	for _, k := range secret {
		delete(out, k)
	}
	return out, nil
}
