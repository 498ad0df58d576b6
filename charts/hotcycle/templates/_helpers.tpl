{{/* Paths the binaries expect (src/cli/defaults.ts, DESIGN.md §1); the tests check them. */}}
{{- define "hotcycle.sourceDir" -}}/etc/hotcycle/source{{- end }}
{{- define "hotcycle.liveDir" -}}/etc/hotcycle/live{{- end }}
{{- define "hotcycle.runDir" -}}/run/hotcycle{{- end }}
{{- define "hotcycle.sidecarTmpDir" -}}/tmp{{- end }}
{{- define "hotcycle.masterSocket" -}}/run/hotcycle/master.sock{{- end }}
{{- define "hotcycle.sidecarSocket" -}}/run/hotcycle/sidecar.sock{{- end }}
{{- define "hotcycle.schemasDir" -}}/etc/hotcycle/schemas{{- end }}
{{- define "hotcycle.sourcesDir" -}}/etc/hotcycle/sources{{- end }}
{{- define "hotcycle.podInfoDir" -}}/etc/hotcycle/pod{{- end }}
{{- define "hotcycle.serviceAccountDir" -}}/var/run/secrets/kubernetes.io/serviceaccount{{- end }}

{{- define "hotcycle.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hotcycle.fullname" -}}
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

{{- define "hotcycle.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "hotcycle.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hotcycle.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "hotcycle.labels" -}}
helm.sh/chart: {{ include "hotcycle.chart" . }}
{{ include "hotcycle.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
The sidecar's ServiceAccount. With serviceAccount.create=false a name is required: falling back
to the namespace's `default` ServiceAccount would grant the sidecar's Role to every Pod that
runs under it.
*/}}
{{- define "hotcycle.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "hotcycle.fullname" .) .Values.serviceAccount.name }}
{{- else if .Values.serviceAccount.name }}
{{- .Values.serviceAccount.name }}
{{- else }}
{{- fail "serviceAccount.name is required when serviceAccount.create=false: the chart will not bind the sidecar's Role to the namespace's default ServiceAccount, which every other Pod there uses" }}
{{- end }}
{{- end }}

{{/* The pod-patch ValidatingAdmissionPolicy is cluster-scoped: its name carries the namespace. */}}
{{- define "hotcycle.podPatchPolicyName" -}}
{{- printf "hotcycle-pod-patch.%s.%s" .Release.Namespace (include "hotcycle.fullname" .) | trunc 253 }}
{{- end }}

{{/* The pod-status ValidatingAdmissionPolicy, cluster-scoped too. */}}
{{- define "hotcycle.podStatusPolicyName" -}}
{{- printf "hotcycle-pod-status.%s.%s" .Release.Namespace (include "hotcycle.fullname" .) | trunc 253 }}
{{- end }}

{{/* The Secret the sidecar keeps the last good config in (lastGood.enabled). */}}
{{- define "hotcycle.lastGoodSecretName" -}}
{{- printf "%s-last-good" (include "hotcycle.fullname" .) | trunc 253 }}
{{- end }}

{{/*
The fleet rollout is on: rollout.enabled true, or "auto" (the default) with more than one
replica — a single-replica release has no fleet to stage, and applies each version at once.
*/}}
{{- define "hotcycle.rolloutEnabled" -}}
{{- $on := toString .Values.rollout.enabled }}
{{- if or (eq $on "true") (and (eq $on "auto") (gt (int .Values.replicaCount) 1)) }}true{{- end }}
{{- end }}

{{/* The Lease the sidecars coordinate the fleet rollout through (hotcycle.rolloutEnabled). */}}
{{- define "hotcycle.rolloutLeaseName" -}}
{{- printf "%s-rollout" (include "hotcycle.fullname" .) | trunc 253 }}
{{- end }}

{{/* The ConfigMap the sidecar watches: the user's, or the chart's. */}}
{{- define "hotcycle.configMapName" -}}
{{- default (include "hotcycle.fullname" .) .Values.config.existingConfigMap }}
{{- end }}

{{- define "hotcycle.image" -}}
{{- printf "%s:%s" .image.repository (default .root.Chart.AppVersion .image.tag) }}
{{- end }}

{{/* SIGTERM: serve on for the shutdown delay, then drain for drainTimeoutSeconds; kubelet must
not SIGKILL before both are over. */}}
{{- define "hotcycle.terminationGracePeriodSeconds" -}}
{{- add .Values.master.shutdownDelaySeconds .Values.app.drainTimeoutSeconds .Values.app.terminationGraceMarginSeconds }}
{{- end }}

{{/* The main container: `hotcycle master` with the driver's arguments. */}}
{{- define "hotcycle.appCommand" -}}
{{- $cmd := concat .Values.app.hotcycleCommand (list "master" "--driver" .Values.driver "--config-dir" (include "hotcycle.liveDir" .) "--socket" (include "hotcycle.masterSocket" .)) }}
{{- if .Values.lastGood.enabled }}
{{- /* A first version that cannot serve: wait for the sidecar's last good one, not crash-loop. */}}
{{- $cmd = concat $cmd (list "--start-failure" "wait") }}
{{- end }}
{{- if eq .Values.driver "nginx" }}
{{- $cmd = concat $cmd (list "--shutdown-timeout" (toString (mul .Values.app.drainTimeoutSeconds 1000)) "--") .Values.app.nginx.command }}
{{- /* An empty configFile: nginx runs from the image's own nginx.conf (the live directory its conf.d). */}}
{{- with .Values.app.nginx.configFile }}
{{- $cmd = concat $cmd (list "-c" (printf "%s/%s" (include "hotcycle.liveDir" $) .)) }}
{{- end }}
{{- end }}
{{- toYaml $cmd }}
{{- end }}

{{/* The sidecar: `hotcycle sidecar` with the shared paths, the fast path and the checks. */}}
{{- define "hotcycle.sidecarCommand" -}}
{{- $cmd := concat .Values.sidecar.hotcycleCommand (list "sidecar" "--source" (include "hotcycle.sourceDir" .) "--live" (include "hotcycle.liveDir" .) "--master-socket" (include "hotcycle.masterSocket" .) "--socket" (include "hotcycle.sidecarSocket" .) "--listen" (printf ":%d" (int .Values.sidecar.port))) }}
{{- if eq .Values.driver "nginx" }}
{{- $cmd = concat $cmd (list "--driver" "nginx") }}
{{- /* The sidecar checks what nginx reads: the file the master runs it with, else a conf.d set. */}}
{{- with .Values.app.nginx.configFile }}
{{- $cmd = concat $cmd (list "--nginx-conf" .) }}
{{- else }}
{{- $cmd = concat $cmd (list "--include-root" $.Values.app.nginx.confDir) }}
{{- end }}
{{- end }}
{{- if .Values.fastPath.enabled }}
{{- $cmd = concat $cmd (list "--watch-configmap" (include "hotcycle.configMapName" .)) }}
{{- end }}
{{- if .Values.lastGood.enabled }}
{{- $cmd = concat $cmd (list "--last-good-secret" (include "hotcycle.lastGoodSecretName" .)) }}
{{- end }}
{{- /* kubectl hotcycle reload: the Pod's annotations through the downward API (the sidecar may not read Pods). */}}
{{- $cmd = concat $cmd (list "--pod-annotations" (printf "%s/annotations" (include "hotcycle.podInfoDir" .))) }}
{{- with .Values.rollout }}
{{- if include "hotcycle.rolloutEnabled" $ }}
{{- $cmd = concat $cmd (list "--rollout-lease" (include "hotcycle.rolloutLeaseName" $) "--rollout-bake-seconds" (toString .bakeSeconds) "--rollout-wave-bake-seconds" (toString .waveBakeSeconds) "--rollout-max-in-flight" (toString .maxInFlight) "--rollout-slot-timeout-seconds" (toString .slotTimeoutSeconds)) }}
{{- with .probe }}
{{- if .path }}
{{- $cmd = concat $cmd (list "--rollout-probe" (printf "%s://:%d%s?minSuccess=%v&max5xx=%v&intervalMs=%d" .scheme (int .port) .path .minSuccessRatio .max5xxRatio (int .intervalMs))) }}
{{- end }}
{{- end }}
{{- with include "hotcycle.rolloutReadiness" $ }}
{{- $cmd = concat $cmd (list "--rollout-readiness" .) }}
{{- end }}
{{- end }}
{{- end }}
{{- range .Values.checks.schemas }}
{{- $cmd = concat $cmd (list "--schema" (printf "%s=%s" .glob .schema)) }}
{{- end }}
{{- $dir := include "hotcycle.sourcesDir" . }}
{{- range (include "hotcycle.sources" . | fromYamlArray) }}
{{- $cmd = concat $cmd (list (ternary "--secret-source" "--source" (hasKey . "secret")) (printf "%s=%s/%s" .name $dir .name)) }}
{{- end }}
{{- toYaml (concat $cmd .Values.sidecar.extraArgs) }}
{{- end }}

{{/*
The app container's readinessProbe (the chart's default: tcpSocket on the first port) as the
sidecar's --rollout-readiness: the bake judges the check the kubelet runs, with its
failureThreshold. A named port resolves to its containerPort; an exec probe gives nothing.
*/}}
{{- define "hotcycle.rolloutReadiness" -}}
{{- $probe := .Values.app.readinessProbe | default (dict "tcpSocket" (dict "port" (first .Values.app.ports).containerPort)) }}
{{- $ports := dict }}
{{- range .Values.app.ports }}{{- if .name }}{{- $_ := set $ports .name .containerPort }}{{- end }}{{- end }}
{{- if .Values.https.enabled }}{{- $_ := set $ports "https" .Values.https.containerPort }}{{- end }}
{{- $threshold := $probe.failureThreshold | default 3 }}
{{- with $probe.tcpSocket }}
{{- printf "tcp://:%v?failureThreshold=%v" (get $ports (toString .port) | default .port) $threshold }}
{{- end }}
{{- with $probe.httpGet }}
{{- printf "%s://:%v%s?failureThreshold=%v" (lower (.scheme | default "HTTP")) (get $ports (toString .port) | default .port) (.path | default "/") $threshold }}
{{- end }}
{{- end }}

{{/* The extra sources: .Values.sources, then the Secret of https.enabled as `tls`. */}}
{{- define "hotcycle.sources" -}}
{{- $sources := .Values.sources }}
{{- if .Values.https.enabled }}
{{- $sources = append $sources (dict "name" "tls" "secret" .Values.https.secretName) }}
{{- end }}
{{- toYaml $sources }}
{{- end }}

{{/* config.nginxConf, with the HTTPS server of https.enabled before its last `}`. */}}
{{- define "hotcycle.nginxConf" -}}
{{- if .Values.https.enabled }}
{{- $server := include "hotcycle.httpsServer" . }}
{{- regexReplaceAll `\}\s*$` .Values.config.nginxConf (printf "%s}\n" $server) }}
{{- else }}
{{- .Values.config.nginxConf }}
{{- end }}
{{- end }}

{{- define "hotcycle.httpsServer" }}
    # https.enabled: the certificate and key of the Secret {{ .Values.https.secretName }} (the
    # source `tls`), checked by the sidecar before nginx sees them; a renewal reloads in place.
    server {
        listen {{ .Values.https.containerPort }} ssl;
        ssl_certificate tls/tls.crt;
        ssl_certificate_key tls/tls.key;
        location = /healthz {
            return 200 "ok\n";
        }
        location / {
            return 200 "hello from hotcycle\n";
        }
    }
{{ end }}

{{/* Fails early on values that render but cannot work. */}}
{{- define "hotcycle.validate" -}}
{{- if and (eq .Values.driver "native") (not .Values.config.existingConfigMap) (not (hasKey .Values.config.files "hotcycle.yaml")) }}
{{- fail "driver=native needs hotcycle.yaml in config.files (or config.existingConfigMap holding it)" }}
{{- end }}
{{- if and (eq .Values.driver "native") (hasKey .Values.config.files "hotcycle.yaml") }}
{{- $timeoutMs := dig "workers" "shutdown" "timeoutMs" 30000 (fromYaml (index .Values.config.files "hotcycle.yaml")) }}
{{- if gt (int64 $timeoutMs) (int64 (mul .Values.app.drainTimeoutSeconds 1000)) }}
{{- fail (printf "hotcycle.yaml workers.shutdown.timeoutMs (%v) exceeds app.drainTimeoutSeconds (%v s): kubelet would kill the drain; raise app.drainTimeoutSeconds" $timeoutMs .Values.app.drainTimeoutSeconds) }}
{{- end }}
{{- end }}
{{- if and (eq .Values.driver "nginx") (not .Values.config.existingConfigMap) (not .Values.config.nginxConf) }}
{{- fail "driver=nginx needs config.nginxConf (or config.existingConfigMap holding it)" }}
{{- end }}
{{- if and .Values.https.enabled (not .Values.https.secretName) }}
{{- fail "https.enabled needs https.secretName (a kubernetes.io/tls Secret)" }}
{{- end }}
{{- $names := list }}
{{- range (include "hotcycle.sources" . | fromYamlArray) }}
{{- if has .name $names }}
{{- fail (printf "sources: the name %q is used twice (https.enabled adds \"tls\")" .name) }}
{{- end }}
{{- if or (hasKey $.Values.config.files .name) (eq .name $.Values.app.nginx.configFile) }}
{{- fail (printf "sources: the name %q is also a file of the ConfigMap: its files would collide under %s/" .name .name) }}
{{- end }}
{{- $names = append $names .name }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.enabled (the ServiceMonitor scrapes the metrics Service)" }}
{{- end }}
{{- end }}
