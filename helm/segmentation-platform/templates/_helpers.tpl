{{/* Names ---------------------------------------------------------------------------------- */}}

{{- define "segplatform.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<chart>, or <release> when it already holds the chart name; object names add a suffix. */}}
{{- define "segplatform.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's objects: (dict "root" $ "component" "gateway") */}}
{{- define "segplatform.componentName" -}}
{{- printf "%s-%s" (include "segplatform.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "segplatform.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "segplatform.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: segmentation-platform
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "segplatform.selectorLabels" -}}
app.kubernetes.io/name: {{ include "segplatform.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of a component: (dict "root" $ "component" "gateway") */}}
{{- define "segplatform.componentLabels" -}}
{{ include "segplatform.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "segplatform.componentSelectorLabels" -}}
{{ include "segplatform.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "segplatform.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "segplatform.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The trainers' own ServiceAccount, with the Role that lets them run Spark executor pods; only with trainers.spark.kubernetes.enabled. */}}
{{- define "segplatform.trainerServiceAccountName" -}}
{{- include "segplatform.componentName" (dict "root" . "component" "trainer") -}}
{{- end -}}

{{/* Images ---------------------------------------------------------------------------------- */}}

{{/* (dict "root" $ "image" .Values.gateway.image): registry/repository:tag, `-cuda` for CUDA images. */}}
{{- define "segplatform.image" -}}
{{- $root := .root -}}
{{- $tag := .image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion | toString -}}
{{- if and (eq (.image.flavor | default "cpu") "cuda") (not (hasSuffix "-cuda" $tag)) -}}
{{- $tag = printf "%s-cuda" $tag -}}
{{- end -}}
{{- if $root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" $root.Values.image.registry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Service URLs (cluster DNS names of the Services) ---------------------------------------------- */}}

{{- define "segplatform.experimentUrl" -}}
{{- printf "http://%s:%v" (include "segplatform.componentName" (dict "root" . "component" "experiment-service")) .Values.experiment.service.port -}}
{{- end -}}

{{- define "segplatform.inferenceUrl" -}}
{{- printf "http://%s:%v" (include "segplatform.componentName" (dict "root" . "component" "inference-service")) .Values.inference.service.port -}}
{{- end -}}

{{/* PostgreSQL ---------------------------------------------------------------------------------- */}}

{{- define "segplatform.postgresHost" -}}
{{- if eq .Values.postgresql.mode "external" -}}
{{- .Values.postgresql.external.host -}}
{{- else -}}
{{- include "segplatform.componentName" (dict "root" . "component" "postgresql") -}}
{{- end -}}
{{- end -}}

{{- define "segplatform.postgresPort" -}}
{{- if eq .Values.postgresql.mode "external" -}}{{ .Values.postgresql.external.port }}{{- else -}}5432{{- end -}}
{{- end -}}

{{- define "segplatform.jdbcUrl" -}}
{{- $url := printf "jdbc:postgresql://%s:%s/%s" (include "segplatform.postgresHost" .) (include "segplatform.postgresPort" .) .Values.postgresql.database -}}
{{- if .Values.postgresql.jdbcParameters -}}
{{- $url = printf "%s?%s" $url (trimPrefix "?" .Values.postgresql.jdbcParameters) -}}
{{- end -}}
{{- $url -}}
{{- end -}}

{{/* Secret and key holding the database password. */}}
{{- define "segplatform.postgresSecretName" -}}
{{- if eq .Values.postgresql.mode "external" -}}
{{- .Values.postgresql.external.existingSecret -}}
{{- else if .Values.postgresql.bundled.existingSecret -}}
{{- .Values.postgresql.bundled.existingSecret -}}
{{- else -}}
{{- include "segplatform.componentName" (dict "root" . "component" "postgresql") -}}
{{- end -}}
{{- end -}}

{{- define "segplatform.postgresSecretKey" -}}
{{- if eq .Values.postgresql.mode "external" -}}{{ .Values.postgresql.external.existingSecretPasswordKey }}{{- else -}}password{{- end -}}
{{- end -}}

{{/* Secrets kept across upgrades ------------------------------------------------------------------ */}}

{{/*
A value for a key of a chart-made Secret: the given one, else the one the live Secret already has
(so `helm upgrade` keeps it), else a random one. `lookup` answers nothing under `helm template`.
(dict "root" $ "name" secretName "key" "password" "value" given "length" 32)
*/}}
{{- define "segplatform.secretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum (.length | default 32 | int) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "segplatform.adminKeySecretName" -}}
{{- default (include "segplatform.componentName" (dict "root" . "component" "admin-key")) .Values.gateway.adminKey.existingSecret -}}
{{- end -}}

{{- define "segplatform.adminKeySecretKey" -}}
{{- if .Values.gateway.adminKey.existingSecret -}}{{ .Values.gateway.adminKey.existingSecretKey }}{{- else -}}admin-key{{- end -}}
{{- end -}}

{{- define "segplatform.internalTokenSecretName" -}}
{{- default (include "segplatform.componentName" (dict "root" . "component" "internal-token")) .Values.experiment.internalToken.existingSecret -}}
{{- end -}}

{{- define "segplatform.internalTokenSecretKey" -}}
{{- if .Values.experiment.internalToken.existingSecret -}}{{ .Values.experiment.internalToken.existingSecretKey }}{{- else -}}internal-token{{- end -}}
{{- end -}}

{{- define "segplatform.apiKeysSecretName" -}}
{{- default (include "segplatform.componentName" (dict "root" . "component" "api-keys")) .Values.gateway.apiKeys.existingSecret -}}
{{- end -}}

{{- define "segplatform.apiKeysSecretKey" -}}
{{- if .Values.gateway.apiKeys.existingSecret -}}{{ .Values.gateway.apiKeys.existingSecretKey }}{{- else -}}api-keys{{- end -}}
{{- end -}}

{{/* JVM ------------------------------------------------------------------------------------------ */}}

{{/* A memory quantity ("8Gi", "512Mi", "2G", "1.5Gi", bytes) in MiB, rounded down. */}}
{{- define "segplatform.mebibytes" -}}
{{- $q := toString . -}}
{{- $units := list (list "Ki" 0.0009765625) (list "Mi" 1.0) (list "Gi" 1024.0) (list "Ti" 1048576.0) (list "k" 0.00095367431640625) (list "M" 0.95367431640625) (list "G" 953.67431640625) (list "T" 953674.31640625) -}}
{{- $mib := 0.0 -}}
{{- $matched := false -}}
{{- range $units -}}
{{- if and (not $matched) (hasSuffix (index . 0) $q) -}}
{{- $mib = mulf (trimSuffix (index . 0) $q | float64) (index . 1) -}}
{{- $matched = true -}}
{{- end -}}
{{- end -}}
{{- if not $matched -}}
{{- $mib = divf ($q | float64) 1048576.0 -}}
{{- end -}}
{{- floor $mib | int64 -}}
{{- end -}}

{{/*
JAVA_TOOL_OPTIONS: heap as a share of the container limit, temp files and JavaCPP natives in the
/tmp emptyDir, and for DL4J pods (jvm.offHeapPercentage set) JavaCPP's off-heap caps from the limit:
maxbytes = off-heap share, maxphysicalbytes = heap + off-heap share (ND4J fails an allocation past
it instead of the kernel killing the pod).
(dict "jvm" .jvm "resources" .resources)
*/}}
{{- define "segplatform.javaToolOptions" -}}
{{- $opts := list (printf "-XX:MaxRAMPercentage=%v" .jvm.maxRamPercentage) "-XX:+ExitOnOutOfMemoryError" "-Djava.io.tmpdir=/tmp" "-Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp" -}}
{{- if .jvm.offHeapPercentage -}}
{{- if gt (addf .jvm.maxRamPercentage .jvm.offHeapPercentage) 90.0 -}}
{{- fail (printf "jvm.maxRamPercentage (%v) + jvm.offHeapPercentage (%v) must stay at or below 90: the JVM needs the rest of the memory limit" .jvm.maxRamPercentage .jvm.offHeapPercentage) -}}
{{- end -}}
{{- $limit := include "segplatform.mebibytes" .resources.limits.memory | float64 -}}
{{- $offHeap := divf (mulf $limit .jvm.offHeapPercentage) 100.0 | floor | int64 -}}
{{- $physical := divf (mulf $limit (addf .jvm.maxRamPercentage .jvm.offHeapPercentage)) 100.0 | floor | int64 -}}
{{- $opts = append $opts (printf "-Dorg.bytedeco.javacpp.maxbytes=%dm" $offHeap) -}}
{{- $opts = append $opts (printf "-Dorg.bytedeco.javacpp.maxphysicalbytes=%dm" $physical) -}}
{{- end -}}
{{- if .jvm.extraOpts -}}
{{- $opts = append $opts .jvm.extraOpts -}}
{{- end -}}
{{- join " " $opts -}}
{{- end -}}

{{/* Pod parts ------------------------------------------------------------------------------------ */}}

{{/* Probes of a service container: liveness /livez, readiness /readyz, a startup probe for slow starts. */}}
{{- define "segplatform.probes" -}}
startupProbe:
  httpGet: {path: /livez, port: http}
  periodSeconds: 10
  failureThreshold: {{ .startupFailureThreshold | default 30 }}
livenessProbe:
  httpGet: {path: /livez, port: http}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 6
readinessProbe:
  httpGet: {path: /readyz, port: http}
  periodSeconds: 5
  timeoutSeconds: 5
  failureThreshold: 3
{{- end -}}

{{- define "segplatform.podAnnotations" -}}
{{- $root := .root -}}
{{- $a := merge (dict) (.extra | default dict) ($root.Values.podAnnotations | default dict) -}}
{{- if $root.Values.metrics.scrapeAnnotations -}}
{{- $_ := set $a "prometheus.io/scrape" "true" -}}
{{- $_ := set $a "prometheus.io/port" (toString .port) -}}
{{- $_ := set $a "prometheus.io/path" "/actuator/prometheus" -}}
{{- end -}}
{{- with .checksum -}}
{{- $_ := set $a "checksum/config" . -}}
{{- end -}}
{{- toYaml $a -}}
{{- end -}}

{{/* The writable /tmp of every service pod. */}}
{{- define "segplatform.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{/* The ConfigMap volume with application.yml, read through SPRING_CONFIG_ADDITIONAL_LOCATION. */}}
{{- define "segplatform.configEnv" -}}
- name: SPRING_CONFIG_ADDITIONAL_LOCATION
  value: "optional:file:/config/"
{{- end -}}

{{/* A NetworkPolicy peer: the pods of one component of this release. */}}
{{- define "segplatform.peer" -}}
- podSelector:
    matchLabels:
      {{- include "segplatform.componentSelectorLabels" . | nindent 6 }}
{{- end -}}
