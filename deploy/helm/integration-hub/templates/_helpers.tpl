{{/* Chart name, or nameOverride. */}}
{{- define "hub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* `<release>-<name>` (or fullnameOverride), at most 63 characters; the release name alone when it holds the name. */}}
{{- define "hub.fullname" -}}
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

{{- define "hub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The apps: values key -> the app's name (its dist/apps folder, service name and `app` metric label). */}}
{{- define "hub.appNames" -}}
odooCdc: odoo-cdc
ingress: ingress
projectorSalesforce: projector-salesforce
projectorOdoo: projector-odoo
projectorSupport: projector-support
console: console
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "hub.labels" -}}
helm.sh/chart: {{ include "hub.chart" . }}
{{ include "hub.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "hub.name" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "hub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of one app's resources; call with (dict "root" $ "app" "odoo-cdc"). */}}
{{- define "hub.appLabels" -}}
{{ include "hub.labels" .root }}
app.kubernetes.io/component: {{ .app }}
{{- end -}}

{{- define "hub.appSelectorLabels" -}}
{{ include "hub.selectorLabels" .root }}
app.kubernetes.io/component: {{ .app }}
{{- end -}}

{{/* `<fullname>-<app>`, at most 63 characters. */}}
{{- define "hub.appFullname" -}}
{{- printf "%s-%s" (include "hub.fullname" .root) .app | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hub.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the apps read their secrets from. */}}
{{- define "hub.secretName" -}}
{{- default (include "hub.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* An app's image: its own repository/tag/digest over the chart's; call with (dict "root" $ "image" $app.image). */}}
{{- define "hub.image" -}}
{{- $g := .root.Values.image -}}
{{- $registry := default $g.registry .image.registry -}}
{{- $repository := default $g.repository .image.repository -}}
{{- $tag := default (default .root.Chart.AppVersion $g.tag) .image.tag -}}
{{- $digest := default $g.digest .image.digest -}}
{{- $ref := ternary (printf "%s/%s" $registry $repository) $repository (ne $registry "") -}}
{{- if $digest -}}
{{- printf "%s@%s" $ref $digest -}}
{{- else -}}
{{- printf "%s:%s" $ref $tag -}}
{{- end -}}
{{- end -}}

{{/* The config files' contents: the values' text, else the files shipped with the chart. */}}
{{- define "hub.ownershipFile" -}}
{{- default (.Files.Get "files/ownership.yaml") .Values.configFiles.ownership -}}
{{- end -}}
{{- define "hub.salesforceMappingFile" -}}
{{- default (.Files.Get "files/salesforce-mapping.yaml") .Values.configFiles.salesforceMapping -}}
{{- end -}}

{{/* A Kubernetes object name from a topic or other name: lowercase, dots and dashes. */}}
{{- define "hub.dnsName" -}}
{{- regexReplaceAll "[^a-z0-9.-]" (lower .) "-" | trunc 253 | trimSuffix "-" | trimSuffix "." -}}
{{- end -}}

{{/*
Plain settings an app needs that the values leave out (its secrets are the Secret's business). The app itself refuses
to start naming each missing variable; NOTES.txt lists them at install so nobody waits for a crash loop.
*/}}
{{- define "hub.missingSettings" -}}
{{- $apps := .Values.apps -}}
{{- $missing := list -}}
{{- if $apps.projectorSalesforce.enabled -}}
{{- range list "SF_LOGIN_URL" "SF_CLIENT_ID" -}}
{{- if not (index $apps.projectorSalesforce.env .) }}{{ $missing = append $missing (printf "apps.projectorSalesforce.env.%s" .) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if $apps.projectorOdoo.enabled -}}
{{- range list "ODOO_URL" "ODOO_DATABASE" -}}
{{- if not (index $apps.projectorOdoo.env .) }}{{ $missing = append $missing (printf "apps.projectorOdoo.env.%s" .) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- if $apps.projectorSupport.enabled -}}
{{- $platform := index $apps.projectorSupport.env "SUPPORT_PLATFORM" | default "" -}}
{{- $need := ternary (list "ZENDESK_URL" "ZENDESK_EMAIL") (list "FRESHDESK_URL") (eq $platform "zendesk") -}}
{{- range prepend $need "SUPPORT_PLATFORM" -}}
{{- if not (index $apps.projectorSupport.env .) }}{{ $missing = append $missing (printf "apps.projectorSupport.env.%s" .) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- join "\n" $missing -}}
{{- end -}}
