package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/distribution/reference"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// ExporterUID is the user (and group) the exporter image runs as: the
// distroless "nonroot" convention.
const ExporterUID = 65532

// LabelBinarySHA is the image label holding the exporter binary's SHA-256.
const LabelBinarySHA = "dev.llmops.exporter.binary-sha256"

// BinarySHA256 hashes the file at path.
func BinarySHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("exporter binary: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("exporter binary: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// dockerfile makes an image of nothing but the static binary, with the
// exporter's own healthcheck sub-command (there is no shell or curl).
//
// It runs as an unprivileged user (ExporterUID): the queue directory is
// created owned by it, so a named volume mounted there starts owned by it
// too, and secret files are placed for it (imageUser). It is also the
// working directory, where the default relative queue.directory lands.
const dockerfile = `FROM scratch
COPY llmops-exporter /llmops-exporter
COPY --chown=65532:65532 queue/ /var/lib/llmops-exporter/
USER 65532:65532
WORKDIR /var/lib/llmops-exporter
EXPOSE 4317 4318 9464
HEALTHCHECK --interval=5s --timeout=3s --start-period=3s --retries=3 CMD ["/llmops-exporter", "healthcheck"]
ENTRYPOINT ["/llmops-exporter"]
CMD ["run"]
`

// BuildExporterImage builds tag FROM scratch from the static linux binary at
// path, on the engine itself (no registry). It returns the image ID.
func BuildExporterImage(ctx context.Context, cli client.APIClient, path, tag, sha string) (string, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("exporter binary: %w", err)
	}
	if !bytes.HasPrefix(bin, []byte("\x7fELF")) {
		return "", fmt.Errorf("exporter binary %s is not a Linux executable: build it with GOOS=linux CGO_ENABLED=0 (make install does)", path)
	}
	id, err := BuildImage(ctx, cli, tag, dockerfile, []File{{Name: "llmops-exporter", Mode: 0o755, Data: bin}, {Name: "queue/.keep", Mode: 0o644}},
		map[string]string{LabelBinarySHA: sha, "dev.llmops.managed-by": "terraform-provider-llmops"})
	if err != nil {
		return "", err
	}
	_ = PruneImages(ctx, cli) // earlier builds no container runs any more
	return id, nil
}

// File is one file of a build context.
type File struct {
	Name string
	Mode int64
	Data []byte
}

// BuildImage builds tag on the engine from dockerfile and files (no
// registry, no BuildKit: the classic builder that every engine has) and
// returns the image ID.
func BuildImage(ctx context.Context, cli client.APIClient, tag, dockerfile string, files []File, labels map[string]string) (string, error) {
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	for _, f := range append([]File{{Name: "Dockerfile", Mode: 0o644, Data: []byte(dockerfile)}}, files...) {
		if err := tw.WriteHeader(&tar.Header{Name: f.Name, Mode: f.Mode, Size: int64(len(f.Data))}); err != nil {
			return "", err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	resp, err := cli.ImageBuild(ctx, &ctxTar, build.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true, Version: build.BuilderV1, Labels: labels})
	if err != nil {
		return "", fmt.Errorf("building %s: %w", tag, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", fmt.Errorf("building %s: reading the engine's answer: %w", tag, err)
		}
		if msg.Error != "" {
			return "", fmt.Errorf("building %s: %s", tag, msg.Error)
		}
	}
	ins, err := cli.ImageInspect(ctx, tag)
	if err != nil {
		return "", fmt.Errorf("building %s: %w", tag, err)
	}
	return ins.ID, nil
}

// Image is what InspectImage reports of an image.
type Image struct {
	ID string
	// BinarySHA256 is the exporter binary's hash label ("" on other images).
	BinarySHA256 string
}

// InspectImage returns ref's ID and binary hash label, or found=false when
// the engine has no such image (any other error is returned).
func InspectImage(ctx context.Context, cli client.APIClient, ref string) (img Image, found bool, err error) {
	ins, err := cli.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return Image{}, false, nil
	}
	if err != nil {
		return Image{}, false, fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	img.ID = ins.ID
	if ins.Config != nil {
		img.BinarySHA256 = ins.Config.Labels[LabelBinarySHA]
	}
	return img, true, nil
}

// TagOf returns a tag of the image ref names (an image ID, usually): the
// reference a Kubernetes manifest can carry once pushed. Tags the provider
// builds (llmops-exporter:<version>-<hash>) come first.
func TagOf(ctx context.Context, cli client.APIClient, ref string) (string, error) {
	ins, err := cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	var tags []string
	for _, t := range ins.RepoTags {
		if t != "" && t != "<none>:<none>" {
			tags = append(tags, t)
		}
	}
	if len(tags) == 0 {
		return "", fmt.Errorf("image %s has no tag", ref)
	}
	if i := slices.IndexFunc(tags, func(t string) bool { return strings.HasPrefix(t, "llmops-exporter:") }); i >= 0 {
		return tags[i], nil
	}
	return tags[0], nil
}

// labelManagedBy marks images this provider built.
const labelManagedBy = "dev.llmops.managed-by=terraform-provider-llmops"

// RemoveImage deletes the tag ref, unless it is the image's last tag and
// containers still use the image: then the tag is kept and the number of
// those containers returned. Tags are content-addressed (one binary, one
// tag), so two configurations built from the same binary share one tag, and
// destroying one must not untag the image the other runs. An image with
// other tags is only untagged (they keep it). A missing image is not an
// error.
func RemoveImage(ctx context.Context, cli client.APIClient, ref string) (users int, err error) {
	_, err = cli.ImageRemove(ctx, ref, image.RemoveOptions{PruneChildren: true})
	switch {
	case err == nil, errdefs.IsNotFound(err):
		return 0, PruneImages(ctx, cli)
	case errdefs.IsConflict(err):
		img, found, ierr := InspectImage(ctx, cli, ref)
		if ierr != nil || !found {
			return 0, fmt.Errorf("removing image %s: %w", ref, err)
		}
		list, lerr := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("ancestor", img.ID))})
		if lerr != nil || len(list) == 0 {
			return 0, fmt.Errorf("removing image %s: %w", ref, err)
		}
		return len(list), nil
	}
	return 0, fmt.Errorf("removing image %s: %w", ref, err)
}

// DefaultTag is the content-addressed tag of an exporter image:
// llmops-exporter:<version>-<first 12 hex digits of the binary's SHA-256>.
func DefaultTag(version, binarySHA256 string) string {
	// A tag allows [A-Za-z0-9_.-]; versions such as "1.2.0+dirty" do not.
	v := strings.Map(func(r rune) rune {
		if r < 128 && (r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '-'
	}, version)
	return "llmops-exporter:" + v + "-" + binarySHA256[:min(12, len(binarySHA256))]
}

// PruneImages deletes untagged images this provider built that no
// container uses any more (the engine refuses to prune images in use).
//
// Both labels are matched, each on its own: the classic builder applies
// build labels one step at a time, so an image left untagged can carry the
// binary hash without the managed-by label (each run of the Docker tests
// left one such image, with its parent layers, before this).
func PruneImages(ctx context.Context, cli client.APIClient) error {
	for _, label := range []string{labelManagedBy, LabelBinarySHA} {
		if _, err := cli.ImagesPrune(ctx, filters.NewArgs(filters.Arg("dangling", "true"), filters.Arg("label", label))); err != nil {
			return fmt.Errorf("pruning old exporter images: %w", err)
		}
	}
	return nil
}

// CheckTag refuses what the engine would refuse as an image tag, with the
// form to write instead. The tag names a local image: no registry host is
// needed, and a digest is not a tag.
func CheckTag(tag string) error {
	named, err := reference.ParseNormalizedNamed(tag)
	if err != nil {
		return fmt.Errorf("%q is not an image reference like repository:tag, e.g. llmops-exporter:1.2.0 (lower-case repository, tag of letters, digits, '.', '_' or '-'): %v", tag, err)
	}
	if _, isDigest := named.(reference.Digested); isDigest {
		return fmt.Errorf("%q is a digest reference: write repository:tag, e.g. llmops-exporter:1.2.0", tag)
	}
	return nil
}
