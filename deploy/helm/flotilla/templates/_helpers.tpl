{{/* The base name of every object: the release name, cut to fit the longest suffix. */}}
{{- define "flotilla.fullname" -}}
{{- if contains "flotilla" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-flotilla" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Cluster-scoped objects carry the namespace too, so two releases never share a name. */}}
{{- define "flotilla.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "flotilla.fullname" .) | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{- define "flotilla.appNamespace" -}}
{{- default .Release.Namespace .Values.applicationNamespace -}}
{{- end -}}

{{- define "flotilla.roles" -}}
git-poller renderer differ applier hook-runner appset notifier
{{- end -}}

{{/* The workloads: one per role (split) or one running every role (all-in-one). */}}
{{- define "flotilla.workloads" -}}
{{- if eq .Values.mode "all-in-one" -}}
all
{{- else if eq .Values.mode "split" -}}
{{ include "flotilla.roles" . }}
{{- else -}}
{{- fail (printf "mode must be split or all-in-one, not %q" .Values.mode) -}}
{{- end -}}
{{- end -}}

{{/* The ServiceAccount a role runs as. Call with (list $ role). */}}
{{- define "flotilla.serviceAccountName" -}}
{{- $ := index . 0 -}}
{{- if eq $.Values.mode "all-in-one" -}}
{{- include "flotilla.fullname" $ -}}
{{- else -}}
{{- printf "%s-%s" (include "flotilla.fullname" $) (index . 1) -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.labels" -}}
app.kubernetes.io/name: flotilla
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of a component. Call with (list $ component). */}}
{{- define "flotilla.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: flotilla
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "flotilla.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "flotilla.natsUrl" -}}
{{- if .Values.nats.bundled -}}
{{- printf "nats://%s-nats.%s.svc:4222" (include "flotilla.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "nats.url is required when nats.bundled is false" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.redisUrl" -}}
{{- if .Values.redis.bundled -}}
{{- printf "redis://%s-redis.%s.svc:6379" (include "flotilla.fullname" .) .Release.Namespace -}}
{{- else -}}
{{- required "redis.url is required when redis.bundled is false" .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by every Flotilla container. */}}
{{- define "flotilla.env" -}}
- name: FLOTILLA_NATS_URL
  value: {{ include "flotilla.natsUrl" . | quote }}
- name: FLOTILLA_REDIS_URL
  value: {{ include "flotilla.redisUrl" . | quote }}
- name: FLOTILLA_NAMESPACE
  value: {{ include "flotilla.appNamespace" . | quote }}
{{- with .Values.applicationNamespaces }}
- name: FLOTILLA_APPLICATION_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
{{- with .Values.applicationSetNamespaces }}
- name: FLOTILLA_APPLICATIONSET_NAMESPACES
  value: {{ join "," . | quote }}
{{- end }}
- name: FLOTILLA_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: FLOTILLA_SYNC_IMPERSONATION
  value: {{ .Values.syncImpersonation | toString | quote }}
- name: FLOTILLA_NOTIFICATIONS_CONFIGMAP
  value: {{ .Values.notifications.configMap | quote }}
- name: FLOTILLA_NOTIFICATIONS_SECRET
  value: {{ .Values.notifications.secret | quote }}
- name: FLOTILLA_OPS_ADDR
  value: "0.0.0.0:9090"
{{- /* The process's own stop deadline, 5 s inside the pod's grace: past it the process
  exits by itself, before the kubelet's SIGKILL, having logged why. */}}
- name: FLOTILLA_SHUTDOWN_TIMEOUT_SECONDS
  value: {{ max 1 (sub (int .Values.terminationGracePeriodSeconds) 5) | quote }}
- name: FLOTILLA_WEBHOOK_ADDR
  value: "0.0.0.0:8081"
- name: FLOTILLA_REPO_CACHE_DIR
  value: /var/lib/flotilla/repos
- name: FLOTILLA_RENDER_WORK_DIR
  value: /var/lib/flotilla/render-work
- name: HOME
  value: /tmp
- name: TMPDIR
  value: /tmp
{{- with .Values.nats.tls.caSecret.name }}
- name: FLOTILLA_NATS_CA_FILE
  value: /etc/flotilla/nats-ca/{{ $.Values.nats.tls.caSecret.key }}
{{- end }}
{{- with .Values.nats.auth.credsSecret.name }}
- name: FLOTILLA_NATS_CREDS_FILE
  value: /etc/flotilla/nats-creds/{{ $.Values.nats.auth.credsSecret.key }}
{{- end }}
{{- with .Values.nats.auth.userSecret.name }}
- name: FLOTILLA_NATS_USER
  valueFrom: { secretKeyRef: { name: {{ . }}, key: {{ $.Values.nats.auth.userSecret.userKey }} } }
- name: FLOTILLA_NATS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ . }}, key: {{ $.Values.nats.auth.userSecret.passwordKey }} } }
{{- end }}
{{- with .Values.redis.tls.caSecret.name }}
- name: FLOTILLA_REDIS_CA_FILE
  value: /etc/flotilla/redis-ca/{{ $.Values.redis.tls.caSecret.key }}
{{- end }}
{{- with .Values.redis.auth.passwordSecret.name }}
- name: FLOTILLA_REDIS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ . }}, key: {{ $.Values.redis.auth.passwordSecret.key }} } }
{{- end }}
{{- with .Values.redis.auth.username }}
- name: FLOTILLA_REDIS_USERNAME
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Volumes of a Flotilla pod: scratch space, /tmp, and the TLS and credential Secrets. */}}
{{- define "flotilla.volumes" -}}
- name: work
  emptyDir: { sizeLimit: {{ .Values.workDir.sizeLimit }} }
- name: tmp
  emptyDir: { sizeLimit: 1Gi }
{{- with .Values.nats.tls.caSecret.name }}
- name: nats-ca
  secret: { secretName: {{ . }} }
{{- end }}
{{- with .Values.nats.auth.credsSecret.name }}
- name: nats-creds
  secret: { secretName: {{ . }} }
{{- end }}
{{- with .Values.redis.tls.caSecret.name }}
- name: redis-ca
  secret: { secretName: {{ . }} }
{{- end }}
{{- end -}}

{{- define "flotilla.volumeMounts" -}}
- { name: work, mountPath: /var/lib/flotilla }
- { name: tmp, mountPath: /tmp }
{{- if .Values.nats.tls.caSecret.name }}
- { name: nats-ca, mountPath: /etc/flotilla/nats-ca, readOnly: true }
{{- end }}
{{- if .Values.nats.auth.credsSecret.name }}
- { name: nats-creds, mountPath: /etc/flotilla/nats-creds, readOnly: true }
{{- end }}
{{- if .Values.redis.tls.caSecret.name }}
- { name: redis-ca, mountPath: /etc/flotilla/redis-ca, readOnly: true }
{{- end }}
{{- end -}}

{{/* Topology spread of a component. Call with (list $ component). */}}
{{- define "flotilla.topologySpread" -}}
{{- $ := index . 0 -}}
{{- $component := index . 1 -}}
{{- if $.Values.topologySpread.enabled -}}
topologySpreadConstraints:
{{- range $.Values.topologySpread.topologyKeys }}
  - maxSkew: {{ $.Values.topologySpread.maxSkew }}
    topologyKey: {{ . }}
    whenUnsatisfiable: {{ $.Values.topologySpread.whenUnsatisfiable }}
    labelSelector:
      matchLabels:
        {{- include "flotilla.selectorLabels" (list $ $component) | nindent 8 }}
{{- end }}
{{- end }}
{{- end -}}
