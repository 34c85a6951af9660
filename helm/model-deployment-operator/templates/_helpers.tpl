{{/*
Chart name, truncated to the 63 characters Kubernetes allows in a label value.
*/}}
{{- define "mdo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full resource name: the release name, plus the chart name unless the release name
already contains it. "helm install model-deployment-operator ..." gives
"model-deployment-operator", the name the plain manifests use.
*/}}
{{- define "mdo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mdo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "mdo.labels" -}}
helm.sh/chart: {{ include "mdo.chart" . }}
{{ include "mdo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: model-deployment-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels: stable for the life of a release (a Deployment's selector is immutable).
*/}}
{{- define "mdo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mdo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "mdo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mdo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "mdo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The operator's own permissions, identical to manifests/rbac.yaml (a test compares them).
It runs kopf standalone (no peering objects) with discovery off (no CRD or namespace
access), so it needs its own resources (ModelDeployments and the shared ModelEndpoints they
are placed on), their status, and Events.
*/}}
{{- define "mdo.operatorRules" -}}
- apiGroups: [sagemaker.mlops.dev]
  resources: [modeldeployments, modelendpoints]
  # patch: finalizer and kopf's progress annotations.
  verbs: [get, list, watch, patch]
- apiGroups: [sagemaker.mlops.dev]
  resources: [modeldeployments/status, modelendpoints/status]
  verbs: [get, patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end }}

{{/*
Reading namespaces: a namespace's sagemaker.mlops.dev/aws-role-arn annotation names the AWS
role the operator acts as there. Namespaces are cluster-scoped, so a namespaced install
gets a ClusterRole limited to its namespaces by name.
*/}}
{{- define "mdo.namespaceRule" -}}
- apiGroups: [""]
  resources: [namespaces]
  verbs: [get]
{{- end }}

{{/*
"true" when replicas elect a leader: always with more than one replica, or when asked.
*/}}
{{- define "mdo.leaderElection" -}}
{{- if or (gt (int .Values.replicaCount) 1) .Values.leaderElection.enabled }}true{{ end }}
{{- end }}

{{/*
The leader Lease, in the release namespace; the Role below grants access to it alone.
*/}}
{{- define "mdo.leaseName" -}}
{{- include "mdo.fullname" . }}
{{- end }}
