{{/*
The StatefulSet's name, and the stem of every other resource's: the release
name unless fullnameOverride is set. A pod's name (<name>-<ordinal>) is its
hostname and must stay a DNS label; the controller-revision-hash label
(<name>-<10 characters>) must stay within 63 characters: hence 52.
*/}}
{{- define "zookeeper.fullname" -}}
{{- .Values.fullnameOverride | default .Release.Name -}}
{{- end -}}

{{/* A name that could not be every resource's stem (zookeeper.fullname). */}}
{{- define "zookeeper.checkName" -}}
{{- $name := include "zookeeper.fullname" . -}}
{{- if gt (len $name) 52 -}}
{{- println (printf "the name %q is %d characters long: at most 52 (set fullnameOverride)" $name (len $name)) -}}
{{- end -}}
{{- if not (regexMatch "^[a-z]([-a-z0-9]*[a-z0-9])?$" $name) -}}
{{- println (printf "the name %q is not an RFC 1035 label (lowercase letters, digits and '-', starting with a letter): Services and pod host names could not take it; set fullnameOverride" $name) -}}
{{- end -}}
{{- end -}}

{{/*
Every problem with the values, reported at once: each check prints one line
per problem and refuses nothing itself, so that a user fixes them all in
one round. The StatefulSet's template calls this before anything else.
*/}}
{{- define "zookeeper.validate" -}}
{{- $s := include "zookeeper.settings" . | fromJson -}}
{{- $found := list
  (include "zookeeper.checkName" .)
  (include "zookeeper.checkHeap" $s)
  (include "zookeeper.checkSettings" $s)
  (include "zookeeper.checkDisruption" $s)
  (include "zookeeper.checkTls" $s)
  (include "zookeeper.checkMetrics" $s)
  (include "zookeeper.checkReconfig" $s)
  (include "zookeeper.checkResources" (list "resources" $s.resources))
  (include "zookeeper.checkResources" (list "metrics.resources" $s.metrics.resources))
  (include "zookeeper.checkPodSpec" $s)
-}}
{{- $problems := splitList "\n" (join "" $found) | compact -}}
{{- if eq (len $problems) 1 -}}
{{- fail (first $problems) -}}
{{- else if $problems -}}
{{- fail (printf "%d problems with the values:\n- %s" (len $problems) (join "\n- " $problems)) -}}
{{- end -}}
{{- end -}}

{{/*
What selects the ensemble's pods. `app: <name>` is what manifests/ always
selected on (app: zk); a StatefulSet's selector cannot change, so it stays.
*/}}
{{- define "zookeeper.selectorLabels" -}}
app: {{ include "zookeeper.fullname" . | toYaml }}
{{- end -}}

{{- define "zookeeper.labels" -}}
{{ include "zookeeper.selectorLabels" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* What the NetworkPolicy lets reach the client port besides clientFrom. */}}
{{- define "zookeeper.testLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: {{ include "zookeeper.fullname" . }}-test
{{- end -}}

{{/* The kubernetes.io/tls Secret the members (and the test pod) mount. */}}
{{- define "zookeeper.tlsSecretName" -}}
{{- .Values.tls.secretName | default (printf "%s-tls" (include "zookeeper.fullname" .)) -}}
{{- end -}}

{{/* The Secret holding ZooKeeper's superuser password, with reconfig. */}}
{{- define "zookeeper.reconfigSecretName" -}}
{{- printf "%s-reconfig" (include "zookeeper.fullname" .) -}}
{{- end -}}

{{/*
The StatefulSet's replica count: the voters and the observers, or, with
reconfig, the count the cluster runs now when the StatefulSet exists, since
`kubectl scale` (not the values) changes the size of a dynamic ensemble and
an upgrade must not undo it. Offline (helm template) nothing exists yet.
*/}}
{{- define "zookeeper.replicaCount" -}}
{{- $s := include "zookeeper.settings" . | fromJson -}}
{{- $count := add (int $s.replicas) (int $s.observers) -}}
{{- if $s.reconfig -}}
{{- with lookup "apps/v1" "StatefulSet" .Release.Namespace (include "zookeeper.fullname" .) -}}
{{- $count = int .spec.replicas -}}
{{- end -}}
{{- end -}}
{{- $count -}}
{{- end -}}

{{/*
Whether the plaintext client port serves outside the pod: without TLS, or
while port unification migrates to it. Otherwise start-zookeeper binds it to
127.0.0.1 for the probes, and neither the Service nor the policy offers it.
*/}}
{{- define "zookeeper.plaintextClients" -}}
{{- if or (not .Values.tls.enabled) .Values.tls.portUnification -}}true{{- end -}}
{{- end -}}

{{/* TLS settings that contradict each other, refused at install. */}}
{{- define "zookeeper.checkTls" -}}
{{- $certManager := .tls.certManager -}}
{{- if and $certManager.enabled (not .tls.enabled) -}}
{{- println "tls.certManager.enabled: the Certificate is for TLS, which is off (set tls.enabled too)" -}}
{{- end -}}
{{- if and $certManager.enabled (not ($certManager.issuerRef).name) -}}
{{- println "tls.certManager.enabled needs tls.certManager.issuerRef.name: the Issuer or ClusterIssuer (a CA of this ensemble alone) that signs the members' certificate" -}}
{{- end -}}
{{- end -}}

{{/*
With reconfig a member reads and changes the membership through its peers'
plaintext client port, which TLS keeps on each pod's loopback.
*/}}
{{- define "zookeeper.checkReconfig" -}}
{{- if and .reconfig .tls.enabled (not .tls.portUnification) -}}
{{- println "reconfig with tls.enabled needs tls.portUnification: members read and change the membership through each other's plaintext client port, which TLS otherwise keeps on each pod's loopback" -}}
{{- end -}}
{{- end -}}

{{/* A ServiceMonitor needs the exporter it scrapes. */}}
{{- define "zookeeper.checkMetrics" -}}
{{- if and .metrics.serviceMonitor.enabled (not .metrics.enabled) -}}
{{- println "metrics.serviceMonitor.enabled: the ServiceMonitor scrapes the exporter, which is off (set metrics.enabled too)" -}}
{{- end -}}
{{- end -}}

{{- define "zookeeper.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "zookeeper.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/*
The original chart's keys, each with where its value goes in this chart.
Memory was a request only; here it is request and limit, as memory should be.
Its probe keys set both probes, as the original's did. Image and
ImagePullPolicy are absent: they named an image no longer published, whose
zookeeper-ready knows no --serving (NOTES.txt says so when they are set).
*/}}
{{- define "zookeeper.originalKeys" -}}
Servers: [replicas]
Cpu: [resources.requests.cpu]
Memory: [resources.requests.memory, resources.limits.memory]
Heap: [heap]
Storage: [storage.size]
StorageClass: [storage.className]
ServerPort: [ports.server]
LeaderElectionPort: [ports.election]
ClientPort: [ports.client]
TickTimeMs: [zookeeper.tickTime]
InitTicks: [zookeeper.initLimit]
SyncTicks: [zookeeper.syncLimit]
ClientCnxns: [zookeeper.maxClientCnxns]
SnapRetain: [zookeeper.snapRetainCount]
PurgeHours: [zookeeper.purgeInterval]
MinSessionTimeout: [zookeeper.minSessionTimeout]
MaxSessionTimeout: [zookeeper.maxSessionTimeout]
LogLevel: [zookeeper.logLevel]
ProbeInitialDelaySeconds: [livenessProbe.initialDelaySeconds, readinessProbe.initialDelaySeconds]
ProbeTimeoutSeconds: [livenessProbe.timeoutSeconds, readinessProbe.timeoutSeconds]
AntiAffinity: [antiAffinity]
UpdateStrategy: [updateStrategy.type]
MaxUnavailable: [podDisruptionBudget.maxUnavailable]
{{- end -}}

{{/*
The values this release runs with, as JSON: .Values with every original key
that is set written over its counterpart. Templates read anything an
original key can set from here, so an original values file means what it
meant.
Numbers come back as floats (JSON): print them through `int`.
*/}}
{{- define "zookeeper.settings" -}}
{{- $settings := deepCopy .Values -}}
{{- range $key, $paths := include "zookeeper.originalKeys" . | fromYaml -}}
{{- $value := get $.Values $key -}}
{{- /* The original left out what was empty: StorageClass "" meant the default class. */ -}}
{{- if and (hasKey $.Values $key) (not (and (kindIs "string" $value) (eq $value ""))) -}}
{{- range $paths -}}
{{- $parent := $settings -}}
{{- $steps := splitList "." . -}}
{{- range initial $steps -}}
{{- if not (kindIs "map" (get $parent .)) -}}
{{- $_ := set $parent . dict -}}
{{- end -}}
{{- $parent = get $parent . -}}
{{- end -}}
{{- $_ := set $parent (last $steps) $value -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $settings -}}
{{- end -}}

{{/*
Bytes in a Kubernetes quantity (5Gi, 1.5G, 5e9, 5368709120000m, or a plain
number as YAML gives it), as a float. Decimal suffixes are powers of 1000,
binary ones of 1024; m is a thousandth.
*/}}
{{- define "zookeeper.quantityBytes" -}}
{{- if or (kindIs "float64" .) (kindIs "int" .) (kindIs "int64" .) -}}
{{- float64 . -}}
{{- else -}}
{{- $number := regexFind "^([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?" . -}}
{{- $factors := dict "" 1 "m" 1e-3 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 0x1p10 "Mi" 0x1p20 "Gi" 0x1p30 "Ti" 0x1p40 "Pi" 0x1p50 "Ei" 0x1p60 -}}
{{- mulf (float64 $number) (get $factors (trimPrefix $number .)) -}}
{{- end -}}
{{- end -}}

{{/*
Resources as YAML, a quantity given as a whole number written as one: the
settings come through JSON, where 5368709120 became 5.36870912e+09.
*/}}
{{- define "zookeeper.resources" -}}
{{- $resources := dict -}}
{{- range $kind, $list := . -}}
{{- $out := dict -}}
{{- range $name, $quantity := $list -}}
{{- if and (kindIs "float64" $quantity) (eq (floor $quantity) $quantity) -}}
{{- $quantity = int64 $quantity -}}
{{- end -}}
{{- $_ := set $out $name $quantity -}}
{{- end -}}
{{- $_ := set $resources $kind $out -}}
{{- end -}}
{{- toYaml $resources -}}
{{- end -}}

{{/* Bytes in a JVM size (512M, 3G): every suffix is a power of 1024, as -Xmx reads it. */}}
{{- define "zookeeper.heapBytes" -}}
{{- $factors := dict "k" 0x1p10 "m" 0x1p20 "g" 0x1p30 "t" 0x1p40 -}}
{{- $suffix := regexFind "[a-zA-Z]$" . -}}
{{- mulf (float64 (trimSuffix $suffix .)) (get $factors (lower $suffix)) -}}
{{- end -}}

{{/*
A heap the memory limit cannot hold gets the container OOM-killed, and an
ensemble whose members are killed in turn stalls: refuse it at install. The
JVM needs memory beyond its heap (metaspace, threads, buffers): 1.5 x heap,
the rule manifests/ and the README keep.
*/}}
{{- define "zookeeper.checkHeap" -}}
{{- $limit := ((.resources).limits).memory -}}
{{- if eq .heap "auto" -}}
{{- /* start-zookeeper sizes it from the limit (2/3, at least 256Mi beside it) and exits 2 without one: refuse that here, before a pod crash-loops. */ -}}
{{- if not $limit -}}
{{- println "heap auto: sized from the container's memory limit, so resources.limits.memory must be set (or give a heap like 3G)" -}}
{{- else if lt (include "zookeeper.quantityBytes" $limit | float64) 0x1.8p28 -}}
{{- println (printf "heap auto: the memory limit %v is below 384Mi, the least that holds a 128M heap and the JVM beside it" $limit) -}}
{{- end -}}
{{- else if $limit -}}
{{- $needed := mulf 1.5 (include "zookeeper.heapBytes" .heap | float64) -}}
{{- if lt (include "zookeeper.quantityBytes" $limit | float64) $needed -}}
{{- println (printf "heap %s needs a memory limit of at least 1.5 x heap, %.2fGi; the limit is %v (resources.limits.memory, or Memory)" .heap (divf $needed 0x1p30) $limit) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The flags the chart sets itself, each with the value that sets it: an
extraFlags entry naming one would override it (the last flag wins).
*/}}
{{- define "zookeeper.chartFlags" -}}
servers: replicas
observers: observers
data_dir: ""
data_log_dir: ""
conf_dir: ""
client_port: ports.client
server_port: ports.server
election_port: ports.election
tick_time: zookeeper.tickTime
init_limit: zookeeper.initLimit
sync_limit: zookeeper.syncLimit
heap: heap
max_client_cnxns: zookeeper.maxClientCnxns
snap_retain_count: zookeeper.snapRetainCount
purge_interval: zookeeper.purgeInterval
max_session_timeout: zookeeper.maxSessionTimeout
min_session_timeout: zookeeper.minSessionTimeout
log_level: zookeeper.logLevel
tls_dir: tls.enabled
secure_client_port: ports.clientTls
tls_client_auth: tls.clientAuth
tls_quorum: tls.quorum
tls_quorum_hostname_verification: tls.quorumHostnameVerification
tls_port_unification: tls.portUnification
reconfig: reconfig
reconfig_password_file: reconfig
{{- end -}}

{{/*
What start-zookeeper would refuse (zkcontainer/settings.py), refused at
install instead of in every pod's crash loop. Takes the settings.
*/}}
{{- define "zookeeper.checkSettings" -}}
{{- $zk := .zookeeper -}}
{{- $ports := list (list "ports.client" .ports.client) (list "ports.server" .ports.server) (list "ports.election" .ports.election) -}}
{{- if .tls.enabled -}}
{{- $ports = append $ports (list "ports.clientTls" .ports.clientTls) -}}
{{- end -}}
{{- /* The exporter shares the pod's network namespace. */ -}}
{{- if .metrics.enabled -}}
{{- $ports = append $ports (list "metrics.port" .metrics.port) -}}
{{- end -}}
{{- /* The port extraFlags can open: the AdminServer's. */ -}}
{{- $extra := dict -}}
{{- range .extraFlags -}}
{{- $parts := regexSplit "=" (trimPrefix "--" .) 2 -}}
{{- $_ := set $extra (replace "-" "_" (first $parts)) (ternary (last $parts) "" (eq (len $parts) 2)) -}}
{{- end -}}
{{- $admin := get $extra "admin_port" | default "0" -}}
{{- if and (regexMatch "^[0-9]+$" $admin) (ne (int $admin) 0) -}}
{{- $ports = append $ports (list "extraFlags --admin_port" $admin) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $ports -}}
{{- $key := toString (int (index . 1)) -}}
{{- if hasKey $seen $key -}}
{{- $why := ternary "the exporter shares the pod's ports with ZooKeeper" "start-zookeeper refuses it" (has "metrics.port" (list (index . 0) (get $seen $key))) -}}
{{- println (printf "%s %s: same port as %s (%s)" (index . 0) $key (get $seen $key) $why) -}}
{{- end -}}
{{- $_ := set $seen $key (index . 0) -}}
{{- end -}}
{{- $javaIntMax := 2147483647.0 -}}
{{- range list "initLimit" "syncLimit" -}}
{{- if gt (mulf (float64 $zk.tickTime) (float64 (get $zk .))) $javaIntMax -}}
{{- println (printf "zookeeper.tickTime %d times zookeeper.%s %d exceeds 2147483647: ZooKeeper computes it as a Java int" (int $zk.tickTime) . (int (get $zk .))) -}}
{{- end -}}
{{- end -}}
{{- if gt (float64 $zk.minSessionTimeout) (float64 $zk.maxSessionTimeout) -}}
{{- println (printf "zookeeper.minSessionTimeout %d: above the maximum session timeout %d (zookeeper.maxSessionTimeout)" (int $zk.minSessionTimeout) (int $zk.maxSessionTimeout)) -}}
{{- end -}}
{{- if ne .heap "auto" -}}
{{- $heap := include "zookeeper.heapBytes" .heap | float64 -}}
{{- if lt $heap 0x1p25 -}}
{{- println (printf "heap %s: must be at least 32M: the JVM cannot start ZooKeeper in less" .heap) -}}
{{- end -}}
{{- if gt $heap 0x1p42 -}}
{{- println (printf "heap %s: must be at most 4T" .heap) -}}
{{- end -}}
{{- end -}}
{{- if and .observers (eq (int .replicas) 1) -}}
{{- println (printf "observers %d: observers need an ensemble of voting members, but replicas 1 is a standalone server (set replicas to 3 or more, or observers to 0)" (int .observers)) -}}
{{- end -}}
{{- if gt (add (int .replicas) (int .observers)) 255 -}}
{{- println (printf "observers %d: with replicas %d makes %d members, but server ids stop at 255" (int .observers) (int .replicas) (add (int .replicas) (int .observers))) -}}
{{- end -}}
{{- $chartFlags := include "zookeeper.chartFlags" . | fromYaml -}}
{{- range .extraFlags -}}
{{- $flag := regexFind "^--[a-z_-]+" . | trimPrefix "--" | replace "-" "_" -}}
{{- if hasKey $chartFlags $flag -}}
{{- $instead := get $chartFlags $flag | default "" -}}
{{- println (printf "extraFlags %q: the chart sets --%s itself; %s" . $flag (ternary (printf "set %s instead" $instead) "it is the chart's volume layout, fixed" (ne $instead ""))) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Members a disruption setting lets go at once: a count, or a percentage of
the members rounded up (as Kubernetes rounds maxUnavailable).
*/}}
{{- define "zookeeper.unavailable" -}}
{{- $value := index . 0 -}}
{{- $replicas := index . 1 -}}
{{- if kindIs "string" $value -}}
{{- ceil (divf (mulf (float64 (trimSuffix "%" $value)) $replicas) 100) | int -}}
{{- else -}}
{{- int $value -}}
{{- end -}}
{{- end -}}

{{/*
A drain or a rolling update must never take a quorum away: with n voting
members, at most (n-1)/2 may be down at once, and a rolling update replaces
one at a time. The budget selects every pod, observers too, and a drain may
pick any of them: observers never raise what it may take, and a percentage
counts them. Takes the settings.
*/}}
{{- define "zookeeper.checkDisruption" -}}
{{- $replicas := int .replicas -}}
{{- $pods := add $replicas (int .observers) -}}
{{- $tolerated := div (sub $replicas 1) 2 -}}
{{- $pdb := .podDisruptionBudget -}}
{{- $of := printf "%d members" $replicas -}}
{{- if .observers -}}
{{- $of = printf "%d pods, any of them among the %d voting members" $pods $replicas -}}
{{- end -}}
{{- if and .reconfig $pdb.enabled (not (has (toString $pdb.maxUnavailable) (list "0" "1"))) -}}
{{- /* kubectl scale, not replicas, sizes a dynamic ensemble: only 0 or 1 is safe at every size of 3 or more (a percentage of 5 pods is 2 of 3 after a scale-down). */ -}}
{{- println (printf "podDisruptionBudget.maxUnavailable %v with reconfig: the ensemble's size changes with kubectl scale, and only 0 or 1 keeps a quorum at every size" $pdb.maxUnavailable) -}}
{{- end -}}
{{- if and $pdb.enabled (gt $replicas 1) -}}
{{- $down := include "zookeeper.unavailable" (list $pdb.maxUnavailable $pods) | int -}}
{{- if gt $down $tolerated -}}
{{- if eq $tolerated 0 -}}
{{- println (printf "podDisruptionBudget.maxUnavailable %v (or MaxUnavailable) lets a drain take %d of %s, and %d members keep a quorum only with all up: set replicas to 3, or maxUnavailable to 0 (drains wait for you)" $pdb.maxUnavailable $down $of $replicas) -}}
{{- else -}}
{{- println (printf "podDisruptionBudget.maxUnavailable %v (or MaxUnavailable) lets a drain take %d of %s: a quorum survives at most %d down" $pdb.maxUnavailable $down $of $tolerated) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $rolling := (.updateStrategy.rollingUpdate | default dict).maxUnavailable -}}
{{- if and (eq .updateStrategy.type "RollingUpdate") (not (kindIs "invalid" $rolling)) -}}
{{- if gt (include "zookeeper.unavailable" (list $rolling $pods) | int) 1 -}}
{{- println (printf "updateStrategy.rollingUpdate.maxUnavailable %v: a rolling update replaces one member at a time, or the ensemble can lose its quorum (leave it out, or 1)" $rolling) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
What the API server refuses in a container's resources and the schema cannot
see, as it compares two values: a request above its limit, and huge pages
not requested exactly as limited. Takes the values' path and the resources.
*/}}
{{- define "zookeeper.checkResources" -}}
{{- $path := index . 0 -}}
{{- $requests := (index . 1 | default dict).requests | default dict -}}
{{- $limits := (index . 1 | default dict).limits | default dict -}}
{{- range $name, $request := $requests -}}
{{- $limit := index $limits $name -}}
{{- if hasPrefix "hugepages-" $name -}}
{{- /* Huge pages cannot be overcommitted: Kubernetes wants the limit, equal to the request. */ -}}
{{- if kindIs "invalid" $limit -}}
{{- println (printf "%s.requests.%s %v needs %s.limits.%s, the same: Kubernetes refuses huge pages requested without an equal limit" $path $name $request $path $name) -}}
{{- else if ne (include "zookeeper.quantityBytes" $request | float64) (include "zookeeper.quantityBytes" $limit | float64) -}}
{{- println (printf "%s.requests.%s %v differs from %s.limits.%s %v: Kubernetes refuses huge pages requested other than as limited" $path $name $request $path $name $limit) -}}
{{- end -}}
{{- else if and (not (kindIs "invalid" $limit)) (gt (include "zookeeper.quantityBytes" $request | float64) (include "zookeeper.quantityBytes" $limit | float64)) -}}
{{- println (printf "%s.requests.%s %v exceeds %s.limits.%s %v: Kubernetes refuses the pod (set them equal, so the scheduler reserves what the limit promises)" $path $name $request $path $name $limit) -}}
{{- end -}}
{{- end -}}
{{- $hugepages := false -}}
{{- range $name := concat (keys $requests) (keys $limits) -}}
{{- if hasPrefix "hugepages-" $name -}}
{{- $hugepages = true -}}
{{- end -}}
{{- end -}}
{{- if and $hugepages (not (or $requests.cpu $requests.memory $limits.cpu $limits.memory)) -}}
{{- println (printf "%s: huge pages need a cpu or memory request or limit beside them: Kubernetes refuses them alone" $path) -}}
{{- end -}}
{{- end -}}

{{/*
What the API server or the restricted Pod Security Standard refuses in the
pod and the schema cannot see: settings a value set to null removed, and
combinations across keys. Takes the settings.
*/}}
{{- define "zookeeper.checkPodSpec" -}}
{{- /* The schema sees only what is set: null removes a key, and with it the pod's hardening. */ -}}
{{- if not .podSecurityContext -}}
{{- println "podSecurityContext: the pods need runAsNonRoot and a seccompProfile (the restricted Pod Security Standard): set them rather than null" -}}
{{- end -}}
{{- if not .securityContext -}}
{{- println "securityContext: the containers need allowPrivilegeEscalation false and capabilities dropped (the restricted Pod Security Standard): set them rather than null" -}}
{{- end -}}
{{- /* UpdateStrategy, the original chart's key, can set OnDelete beside updateStrategy.rollingUpdate. */ -}}
{{- if and (eq .updateStrategy.type "OnDelete") .updateStrategy.rollingUpdate -}}
{{- println "updateStrategy.rollingUpdate: Kubernetes takes it only with type RollingUpdate, and the type is OnDelete (or UpdateStrategy): leave it out" -}}
{{- end -}}
{{- $seen := dict -}}
{{- range .topologySpreadConstraints -}}
{{- $key := printf "%s %s" .topologyKey .whenUnsatisfiable -}}
{{- if hasKey $seen $key -}}
{{- println (printf "topologySpreadConstraints: two constraints on %s with whenUnsatisfiable %s: Kubernetes refuses the pod (merge them)" .topologyKey .whenUnsatisfiable) -}}
{{- end -}}
{{- $_ := set $seen $key true -}}
{{- end -}}
{{- end -}}
