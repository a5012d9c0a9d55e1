{{/* Names, labels and the values every template derives from the settings. */}}

{{- define "sgbridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fullname: object names, and the default of the serviceName setting (Service, webhook configurations, Secret). */}}
{{- define "sgbridge.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sgbridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sgbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sgbridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
Common labels. managed-by stays Helm: sgbridge's own objects carry
app.kubernetes.io/managed-by=sgbridge, and the chart's objects must not look like them.
*/}}
{{- define "sgbridge.labels" -}}
helm.sh/chart: {{ include "sgbridge.chart" . }}
{{ include "sgbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sgbridge
{{- end -}}

{{- define "sgbridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sgbridge.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sgbridge.tlsSecretName" -}}
{{- printf "%s-tls" (include "sgbridge.settings" . | fromYaml).serviceName -}}
{{- end -}}

{{/* The port sgbridge listens on: the hostNetwork port when on the host network. */}}
{{- define "sgbridge.port" -}}
{{- if .Values.hostNetwork.enabled -}}
{{- .Values.hostNetwork.port | int -}}
{{- else -}}
{{- .Values.config.port | default 8443 | int -}}
{{- end -}}
{{- end -}}

{{- define "sgbridge.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
Every setting of src/core/settings.ts, after the chart has filled in the ones it knows better than a
default (null in values.yaml means "worked out by the chart"). Returned as YAML; callers fromYaml it.
*/}}
{{- define "sgbridge.settings" -}}
{{- $fullname := include "sgbridge.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- $s := deepCopy .Values.config -}}
{{- $_ := set $s "port" (include "sgbridge.port" . | int) -}}
{{- if kindIs "invalid" $s.listen -}}{{- $_ := set $s "listen" "0.0.0.0" -}}{{- end -}}
{{- if kindIs "invalid" $s.tlsDir -}}{{- $_ := set $s "tlsDir" .Values.tls.mountPath -}}{{- end -}}
{{- if kindIs "invalid" $s.namespace -}}{{- $_ := set $s "namespace" $ns -}}{{- end -}}
{{- if kindIs "invalid" $s.serviceName -}}{{- $_ := set $s "serviceName" $fullname -}}{{- end -}}
{{- if kindIs "invalid" $s.syncerIdentity -}}{{- $_ := set $s "syncerIdentity" (printf "system:serviceaccount:%s:%s" $ns (include "sgbridge.serviceAccountName" .)) -}}{{- end -}}
{{- if kindIs "invalid" $s.tlsDns -}}
{{- $domain := .Values.clusterDomain -}}
{{- $svc := $s.serviceName -}}
{{- $_ := set $s "tlsDns" (list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns $domain)) -}}
{{- end -}}
{{- toYaml $s -}}
{{- end -}}

{{/* Namespaces the pod webhooks never see, in the order of excludedNamespaces() in src/core/webhooks.ts:
kube-system, sgbridge's own, Calico's; then any extra ones from webhooks.excludeNamespaces. */}}
{{- define "sgbridge.excludedNamespaces" -}}
{{- $s := include "sgbridge.settings" . | fromYaml -}}
{{- $all := concat (list "kube-system" $s.namespace) $s.calicoNamespaces .Values.webhooks.excludeNamespaces -}}
{{- toYaml (dict "namespaces" ($all | uniq)) -}}
{{- end -}}

{{/* A CEL list of strings, as registration/cel.ts's celList writes it: ["a", "b"]. */}}
{{- define "sgbridge.celList" -}}
[{{ range $i, $v := . }}{{ if $i }}, {{ end }}{{ toJson $v }}{{ end }}]
{{- end -}}

{{- define "sgbridge.kubeAtLeast" -}}
{{- if semverCompare (printf ">=%s-0" .min) .root.Capabilities.KubeVersion.Version -}}true{{- end -}}
{{- end -}}
