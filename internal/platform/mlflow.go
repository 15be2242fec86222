package platform

import (
	"net/url"
)

// MLflow >= 3.6 ingests OTLP/HTTP protobuf at the tracking server's root
// and routes by the x-mlflow-experiment-id header (Dify's MLflowConfig:
// tracking_uri default http://localhost:5000, experiment_id "0").
var mlflow = &descriptor{
	typ: MLflow, title: "MLflow",
	fields: []fieldSpec{
		{name: FieldEndpoint, def: "http://localhost:5000", url: anyURL, doc: "the tracking URI"},
		{name: FieldExperimentID, def: "0", doc: "`0` is MLflow's default experiment"},
		{name: FieldUsername, doc: "MLflow's basic auth, with `password_wo`; leave unset for a server without auth"},
	},
	secret:       secretSpec{name: "password", doc: "with `username`: MLflow's basic auth"},
	secretWith:   FieldUsername,
	protocols:    []Protocol{HTTPProtobuf},
	export:       mlflowExport,
	validate:     mlflowValidate,
	probes:       mlflowProbes,
	rejectedHint: "username and password (and experiment_id: the experiment must exist)",
	notFoundHint: mlflowNotFound,
	// MLflow's OTLP ingest translates GenAI attributes into its span types
	// and token usage.
	mapping: mapEach(genAI),
}

const mlflowNotFound = "check the endpoint and experiment_id (MLflow answers 404 RESOURCE_DOES_NOT_EXIST for an unknown experiment)"

// mlflowExport: the tracking server's root /v1/traces (not under /api),
// the experiment in x-mlflow-experiment-id, Basic auth when a user is set
// (MLflow's basic-auth app).
func mlflowExport(c Config, s Secrets) Export {
	e := Export{
		URL:          c.Endpoint + "/v1/traces",
		ProtobufOnly: true,
		Headers:      []Header{{Name: "x-mlflow-experiment-id", Value: c.ExperimentID}},
	}
	if c.Username != "" {
		e.Headers = append(e.Headers, Header{Name: "Authorization", Value: basic(c.Username, s.Key), Secret: true})
	}
	return e
}

func mlflowValidate(c Config) Errors {
	var errs Errors
	if u, err := url.Parse(c.Endpoint); err == nil && isDatabricksHost(u.Hostname()) {
		errs = append(errs, &FieldError{FieldEndpoint, "is a Databricks workspace: use type \"databricks\" for Databricks-managed MLflow (as Dify does)"})
	}
	return append(errs, integerID(c.ExperimentID)...)
}

// mlflowProbes reads the experiment through MLflow's REST API with the
// export's credentials (404 RESOURCE_DOES_NOT_EXIST for a wrong id). The
// Databricks descriptor shares it.
func mlflowProbes(c Config, _ Secrets, exp Export) []probe {
	return []probe{get(c.Endpoint+"/api/2.0/mlflow/experiments/get?experiment_id="+url.QueryEscape(c.ExperimentID),
		onlyHeader(exp.Headers, "Authorization")...)}
}

// integerID checks an MLflow experiment id: Dify and MLflow take integer
// strings (the id, not the experiment's name or path).
func integerID(id string) Errors {
	if id == "" {
		return nil
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return Errors{{FieldExperimentID, "must be the experiment's numeric id (as in its URL, e.g. \"1234567890\"), not its name or path"}}
		}
	}
	return nil
}
