{{/*
The SecurityGroupPolicy CRD the cluster already has, as YAML: {} when it has none, and always {} with
`helm template` and `helm lint`, which do not ask a cluster. In a file of its own so that the chart
test can stand in for the cluster's answer.
*/}}
{{- define "sgbridge.existingSecurityGroupPolicyCrd" -}}
{{- lookup "apiextensions.k8s.io/v1" "CustomResourceDefinition" "" "securitygrouppolicies.vpcresources.k8s.aws" | toYaml -}}
{{- end -}}
