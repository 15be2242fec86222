package platform

import "strings"

// Databricks-managed MLflow (Dify's DatabricksConfig: host and
// experiment_id required; a personal access token, or client_id and
// client_secret of a service principal).
var databricks = &descriptor{
	typ: Databricks, title: "Databricks-managed MLflow",
	fields: []fieldSpec{
		{name: FieldEndpoint, required: true, url: &urlRule{httpsOnly: true}, doc: "the workspace URL"},
		{name: FieldExperimentID, required: true},
		{name: FieldClientID, doc: "a service principal's application id: tokens then come from the workspace's OAuth endpoint with `client_secret_wo`"},
	},
	secret: secretSpec{name: "token", doc: "a personal access token", required: true},
	altSecret: &altSecret{field: FieldClientID, secretSpec: secretSpec{name: "client_secret", required: true,
		doc: "with `client_id`: a service principal's OAuth secret, machine-to-machine"}},
	protocols:    []Protocol{HTTPProtobuf},
	export:       databricksExport,
	validate:     func(c Config) Errors { return integerID(c.ExperimentID) },
	probes:       mlflowProbes,
	rejectedHint: "token, or client_id and client_secret (and experiment_id: the experiment must exist and the principal may write to it)",
	notFoundHint: mlflowNotFound,
	mapping:      mapEach(genAI),
}

// databricksExport: Databricks-managed MLflow's OTLP endpoint with a bearer
// token: a personal access token, or one the sender fetches from the
// workspace's OAuth endpoint for a service principal (client_id).
func databricksExport(c Config, s Secrets) Export {
	e := Export{
		URL:          c.Endpoint + "/api/2.0/otel/v1/traces",
		ProtobufOnly: true,
		Headers:      []Header{{Name: "x-mlflow-experiment-id", Value: c.ExperimentID}},
	}
	if c.ClientID != "" {
		e.OAuth = &OAuthClient{TokenURL: c.Endpoint + "/oidc/v1/token", ClientID: c.ClientID, ClientSecret: s.Key, Scopes: []string{"all-apis"}}
		return e
	}
	e.Headers = append(e.Headers, Header{Name: "Authorization", Value: "Bearer " + s.Key, Secret: true})
	return e
}

func isDatabricksHost(h string) bool {
	h = strings.ToLower(h)
	return strings.HasSuffix(h, ".cloud.databricks.com") || strings.HasSuffix(h, ".azuredatabricks.net") || strings.HasSuffix(h, ".gcp.databricks.com")
}
