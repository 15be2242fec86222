package grafana

import (
	"context"

	"github.com/grafana/grafana-openapi-client-go/client/folders"
	"github.com/grafana/grafana-openapi-client-go/models"
)

// Folder is a Grafana folder.
type Folder struct {
	UID, Title, URL string
}

// CreateFolder creates a folder with a fixed uid.
func (c *Client) CreateFolder(ctx context.Context, uid, title string) (*Folder, error) {
	resp, err := c.folders.CreateFolderWithParams(ctxParams(ctx, folders.NewCreateFolderParams().WithBody(&models.CreateFolderCommand{UID: uid, Title: title})))
	if err != nil {
		return nil, apiError("create folder "+uid, err)
	}
	return c.folder(resp.Payload), nil
}

// GetFolder reads a folder; the error wraps ErrNotFound when absent.
func (c *Client) GetFolder(ctx context.Context, uid string) (*Folder, error) {
	resp, err := c.folders.GetFolderByUIDWithParams(ctxParams(ctx, folders.NewGetFolderByUIDParams().WithFolderUID(uid)))
	if err != nil {
		return nil, apiError("read folder "+uid, err)
	}
	return c.folder(resp.Payload), nil
}

// RenameFolder sets a folder's title, overwriting any concurrent change.
func (c *Client) RenameFolder(ctx context.Context, uid, title string) (*Folder, error) {
	resp, err := c.folders.UpdateFolderWithParams(ctxParams(ctx, folders.NewUpdateFolderParams().WithFolderUID(uid).
		WithBody(&models.UpdateFolderCommand{Title: title, Overwrite: true})))
	if err != nil {
		return nil, apiError("rename folder "+uid, err)
	}
	return c.folder(resp.Payload), nil
}

// DeleteFolder deletes a folder and the alert rules in it (Grafana refuses
// otherwise); an absent folder is not an error.
func (c *Client) DeleteFolder(ctx context.Context, uid string) error {
	force := true
	_, err := c.folders.DeleteFolder(ctxParams(ctx, folders.NewDeleteFolderParams().WithFolderUID(uid).WithForceDeleteRules(&force)))
	if err = apiError("delete folder "+uid, err); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

func (c *Client) folder(f *models.Folder) *Folder {
	if f == nil {
		return &Folder{}
	}
	return &Folder{UID: f.UID, Title: f.Title, URL: c.URL(f.URL)}
}
