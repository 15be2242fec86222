package platform

// registry is every supported platform, in documentation order. Adding a
// platform is one file with its descriptor, its test, and one line here
// (ARCHITECTURE.md, "Adding a platform").
var registry = []*descriptor{
	langfuse,
	langsmith,
	phoenix,
	weave,
	aliyun,
	opik,
	tencent,
	mlflow,
	databricks,
	otlp,
}
