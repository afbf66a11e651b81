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
{{- /* Refused first, alone: the other checks read values a null removed. */ -}}
{{- $removed := include "zookeeper.checkRemovedDefaults" . | splitList "\n" | compact -}}
{{- if eq (len $removed) 1 -}}
{{- fail (first $removed) -}}
{{- else if $removed -}}
{{- fail (printf "%d problems with the values:\n- %s" (len $removed) (join "\n- " $removed)) -}}
{{- end -}}
{{- $s := include "zookeeper.settings" . | fromJson -}}
{{- $found := list
  (include "zookeeper.checkName" .)
  (include "zookeeper.checkHeap" $s)
  (include "zookeeper.checkSettings" $s)
  (include "zookeeper.checkExtraFlags" $s)
  (include "zookeeper.checkDisruption" $s)
  (include "zookeeper.checkTls" $s)
  (include "zookeeper.checkMetrics" $s)
  (include "zookeeper.checkReconfig" $s)
  (include "zookeeper.checkUpgrade" .)
  (include "zookeeper.checkStorage" $s)
  (include "zookeeper.checkService" $s)
  (include "zookeeper.checkPod" .)
  (include "zookeeper.checkPrometheusRule" $s)
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

{{/* Every object's labels: commonLabels under the chart's own, which win. */}}
{{- define "zookeeper.labels" -}}
{{- $own := include "zookeeper.ownLabels" . -}}
{{- with .Values.commonLabels -}}
{{- toYaml (merge (fromYaml $own) .) -}}
{{- else -}}
{{- $own -}}
{{- end -}}
{{- end -}}

{{- define "zookeeper.ownLabels" -}}
{{ include "zookeeper.selectorLabels" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/*
What the NetworkPolicy takes for a member, as a peer and as the pods it
governs: the selector's `app: <name>` and the chart's own labels, which the
pod template sets over podLabels. `app` alone is a common label that other
workloads carry too; the StatefulSet's selector keeps it alone (immutable).
*/}}
{{- define "zookeeper.memberLabels" -}}
{{ include "zookeeper.selectorLabels" . }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
{{- end -}}

{{/*
The names NOTES.txt gives clients for the members, <pod>.<headless Service>.
<namespace>: the `helm test` pod asks each over TLS with hostname checks.
Takes the root context; JSON list.
*/}}
{{- define "zookeeper.memberHosts" -}}
{{- $name := include "zookeeper.fullname" . -}}
{{- $hosts := list -}}
{{- range $i := until (include "zookeeper.replicaCount" . | int) -}}
{{- $hosts = append $hosts (printf "%s-%d.%s-hs.%s" $name $i $name $.Release.Namespace) -}}
{{- end -}}
{{- toJson $hosts -}}
{{- end -}}

{{/*
Each member's shortest name, <pod>.<name>-hs, which a pod of the release's
namespace resolves: zookeeper.memberHosts without the namespace. JSON list.
*/}}
{{- define "zookeeper.memberShortHosts" -}}
{{- $hosts := list -}}
{{- range include "zookeeper.memberHosts" . | fromJsonArray -}}
{{- $hosts = append $hosts (trimSuffix (printf ".%s" $.Release.Namespace) .) -}}
{{- end -}}
{{- toJson $hosts -}}
{{- end -}}

{{/*
The members' certificate's DNS names: every form a client may name a member
or the client Service by from inside the cluster (NOTES.txt prints
<pod>.<name>-hs.<namespace> and <name>-cs.<namespace>; the README's naming
table the FQDNs). A wildcard stands for one label, the pod's name (RFC 6125),
so each of the headless Service's forms needs its own; and OpenSSL, which
Python's ssl, kazoo and the C client check names with, takes no wildcard
with fewer than two labels after it: *.<name>-hs would match nothing there.
So each member's short name is listed itself, for every pod the StatefulSet
runs (zookeeper.memberHosts); with reconfig, a pod kubectl scale adds after
this render is named by the wildcards alone, until the next helm upgrade.
JSON list.
*/}}
{{- define "zookeeper.certificateNames" -}}
{{- $s := include "zookeeper.settings" . | fromJson -}}
{{- $name := include "zookeeper.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- $suffixes := list (printf "%s.svc.%s" $ns $s.clusterDomain) (printf "%s.svc" $ns) $ns -}}
{{- $names := list -}}
{{- range $suffixes -}}
{{- $names = append $names (printf "*.%s-hs.%s" $name .) -}}
{{- end -}}
{{- $names = concat $names (include "zookeeper.memberShortHosts" . | fromJsonArray) -}}
{{- $names = append $names (printf "%s-hs.%s.svc.%s" $name $ns $s.clusterDomain) -}}
{{- range $suffixes -}}
{{- $names = append $names (printf "%s-cs.%s" $name .) -}}
{{- end -}}
{{- $names = append $names (printf "%s-cs" $name) -}}
{{- toJson $names -}}
{{- end -}}

{{/*
An object's annotations as YAML: its own (a map, or nil) over
commonAnnotations; empty when there are none. Takes (list $ OWN).
*/}}
{{- define "zookeeper.annotations" -}}
{{- $own := deepCopy (index . 1 | default dict) -}}
{{- with merge $own ((index . 0).Values.commonAnnotations | default dict) -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{/*
The chart's image, for every container that runs it: repository@digest when
image.digest pins it (the tag is then left out, so that the reference names
exactly one image), else repository:tag. Takes the image settings.
*/}}
{{- define "zookeeper.image" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}

{{/*
A volumeClaimTemplate's metadata: its name, then storage.labels over
commonLabels and storage.annotations over commonAnnotations. Takes (list $ NAME).
*/}}
{{- define "zookeeper.claimMetadata" -}}
{{- $ := index . 0 -}}
{{- $storage := (include "zookeeper.settings" $ | fromJson).storage -}}
name: {{ index . 1 }}
{{- with merge (deepCopy ($storage.labels | default dict)) ($.Values.commonLabels | default dict) }}
labels:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with include "zookeeper.annotations" (list $ $storage.annotations) }}
annotations:
  {{- . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A claim's storageClassName, when className names one (null: the cluster's default). */}}
{{- define "zookeeper.storageClassName" -}}
{{- if kindIs "string" . -}}
{{- /* "-" is the common spelling of "no class": dynamic provisioning off. */ -}}
storageClassName: {{ eq . "-" | ternary "" . | quote }}
{{- end -}}
{{- end -}}

{{/* What the NetworkPolicy lets reach the client port besides clientFrom. */}}
{{- define "zookeeper.testLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: {{ include "zookeeper.fullname" . }}-test
{{- end -}}

{{/* The kubernetes.io/tls Secret the members (and the test pod) mount. */}}
{{- define "zookeeper.tlsSecretName" -}}
{{- (include "zookeeper.settings" . | fromJson).tls.secretName | default (printf "%s-tls" (include "zookeeper.fullname" .)) -}}
{{- end -}}

{{/*
The Secret holding ZooKeeper's superuser password, with reconfig: the
user's (reconfigExistingSecret), or the one the chart makes.
*/}}
{{- define "zookeeper.reconfigSecretName" -}}
{{- .Values.reconfigExistingSecret | default (printf "%s-reconfig" (include "zookeeper.fullname" .)) -}}
{{- end -}}

{{/*
The StatefulSet this release runs now, as JSON, as the cluster holds it;
{} at install, and wherever no cluster answers: `helm template`, a
client-side --dry-run, Argo CD (which renders offline). Every look at the
StatefulSet goes through here, so the tests give it one. (The reconfig
Secret's template looks up that Secret, its only other look.)
*/}}
{{- define "zookeeper.live" -}}
{{- lookup "apps/v1" "StatefulSet" .Release.Namespace (include "zookeeper.fullname" .) | toJson -}}
{{- end -}}

{{/*
One --name=value argument, read as start-zookeeper reads it
(zkcontainer/settings.py, _from_argv): the name runs from after the leading
-- to the first = (the value may hold more), with - read as _ (--admin-port
is --admin_port). A flag without =VALUE is bare: a true/false flag is then
true; any other takes the next argument, which is not read here (the
chart's commands and extraFlags give --name=VALUE as one argument;
zookeeper.liveFlags looks ahead for a user's StatefulSet). As JSON:
{flag, hasValue, value}, value "" when bare. The chart reads every such
argument through here, so that its readings agree.
*/}}
{{- define "zookeeper.parseFlag" -}}
{{- $parts := regexSplit "=" (trimPrefix "--" .) 2 -}}
{{- $hasValue := eq (len $parts) 2 -}}
{{- dict "flag" (first $parts | replace "-" "_") "hasValue" $hasValue "value" (ternary (last $parts) "" $hasValue) | toJson -}}
{{- end -}}

{{/*
The start-zookeeper flags the live StatefulSet's zookeeper container runs
with, as JSON: name -> value ("true" for a bare flag). A flag without =VALUE
takes the next argument when that is no flag, as start-zookeeper reads
--servers 3 (a user's own StatefulSet may be written so); a true/false flag
followed by a word is refused by start-zookeeper, so no running member has
one, and a bare true/false flag is followed by a flag or nothing: true.
Takes zookeeper.live's.
*/}}
{{- define "zookeeper.liveFlags" -}}
{{- $flags := dict -}}
{{- range ((.spec).template).spec.containers -}}
{{- if eq .name "zookeeper" -}}
{{- $command := .command | default list -}}
{{- range $i, $argument := $command -}}
{{- if hasPrefix "--" $argument -}}
{{- $parsed := include "zookeeper.parseFlag" $argument | fromJson -}}
{{- $value := ternary $parsed.value "true" $parsed.hasValue -}}
{{- if and (not $parsed.hasValue) (lt (add1 $i) (len $command)) -}}
{{- $next := index $command (add1 $i) -}}
{{- if not (hasPrefix "--" $next) -}}
{{- $value = $next -}}
{{- end -}}
{{- end -}}
{{- $_ := set $flags $parsed.flag $value -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $flags -}}
{{- end -}}

{{/*
An upgrade the running ensemble cannot take, refused before anything rolls.
The StatefulSet rolls one pod at a time, so for a while old and new members
run side by side: any change that makes them disagree on who votes, or on
where and how to reach each other, splits the ensemble mid-roll. Needs the
cluster (zookeeper.live): `helm template` cannot check this (README,
"Upgrade"). A live StatefulSet whose zookeeper container runs no flags the
chart can read (renamed, wrapped in a shell) is compared on what can be read.
*/}}
{{- define "zookeeper.checkUpgrade" -}}
{{- $live := include "zookeeper.live" . | fromJson -}}
{{- if $live -}}
{{- $context := dict "root" . "s" (include "zookeeper.settings" . | fromJson) "live" $live "flags" (include "zookeeper.liveFlags" $live | fromJson) -}}
{{- include "zookeeper.checkUpgradeMembers" $context -}}
{{- include "zookeeper.checkUpgradeTransport" $context -}}
{{- include "zookeeper.checkUpgradeClaims" $context -}}
{{- end -}}
{{- end -}}

{{/*
The key a user set a value with: an original chart's key that is set wins
over the chart's own (zookeeper.settings), so a message names that one.
Takes (list $ "chart.key").
*/}}
{{- define "zookeeper.keyOf" -}}
{{- $root := index . 0 -}}
{{- $path := index . 1 -}}
{{- $named := $path -}}
{{- range $key, $paths := include "zookeeper.originalKeys" $root | fromYaml -}}
{{- $value := get $root.Values $key -}}
{{- if and (has $path $paths) (hasKey $root.Values $key) (not (and (kindIs "string" $value) (eq $value ""))) -}}
{{- $named = $key -}}
{{- end -}}
{{- end -}}
{{- $named -}}
{{- end -}}

{{/* Who votes: the server list, static or the initial ensemble of reconfig. */}}
{{- define "zookeeper.checkUpgradeMembers" -}}
{{- $s := .s -}}
{{- $flags := .flags -}}
{{- $name := include "zookeeper.fullname" .root -}}
{{- $replicasKey := include "zookeeper.keyOf" (list .root "replicas") -}}
{{- if hasKey $flags "servers" -}}
{{- $liveReconfig := and (hasKey $flags "reconfig") (ne (get $flags "reconfig") "false") -}}
{{- $liveServers := get $flags "servers" | atoi -}}
{{- $liveObservers := get $flags "observers" | default "0" | atoi -}}
{{- $livePods := int (.live.spec).replicas -}}
{{- $servers := int $s.replicas -}}
{{- $observers := int $s.observers -}}
{{- if and (not $liveReconfig) (ne $servers $liveServers) -}}
{{- println (printf "%s %d: the ensemble runs %d voting member%s with static membership, and a static resize rolled pod by pod lets new, empty members outvote the data (start-zookeeper holds them back, and the roll stalls). Keep %s %d; to resize, turn on reconfig first with the same members (helm upgrade --reuse-values --set reconfig=true), then kubectl -n %s scale statefulset %s --replicas=%d (README, Scaling without restarts)" $replicasKey $servers $liveServers (ternary "" "s" (eq $liveServers 1)) $replicasKey $liveServers .root.Release.Namespace $name (add $servers $observers)) -}}
{{- else if and (not $liveReconfig) $s.reconfig (ne $observers $liveObservers) -}}
{{- println (printf "observers %d while turning on reconfig: the StatefulSet keeps its %d pods, and the initial ensemble would name %d observers that never run; change observers in one upgrade, then turn on reconfig in the next" $observers $livePods $observers) -}}
{{- end -}}
{{- if and $liveReconfig $s.reconfig (or (ne $servers $liveServers) (ne $observers $liveObservers)) -}}
{{- println (printf "%s %d, observers %d with reconfig: they name the initial ensemble, fixed at install as %d and %d; the ensemble's size is the StatefulSet's (%d pods now): change it with kubectl scale and zookeeper-scale, and keep %s %d and observers %d" $replicasKey $servers $observers $liveServers $liveObservers $livePods $replicasKey $liveServers $liveObservers) -}}
{{- end -}}
{{- if and $liveReconfig (not $s.reconfig) (or (ne $livePods (add $liveServers $liveObservers)) (ne $livePods (add $servers $observers))) -}}
{{- println (printf "reconfig false: the ensemble runs %d pods, sized by kubectl scale since the install with %d, and without reconfig every member would restart with a static list of %d, which is not the membership the members hold; keep reconfig on, or first scale to %d (zookeeper-scale, then kubectl scale) and keep %s %d and observers %d" $livePods (add $liveServers $liveObservers) (add $servers $observers) (add $liveServers $liveObservers) $replicasKey $liveServers $liveObservers) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Where and how members reach each other: the quorum and election ports, with
reconfig the client port too (a member of a dynamic ensemble listens where
the membership it holds says), and what the quorum speaks. A member connects
speaking TLS when tls.quorum is on, and accepts both with port unification;
old and new members must each accept what the other speaks. A standalone
server staying one (--servers=1, no reconfig) has no peers: its one pod is
replaced, and nothing of the old kind must reach it. (Its plaintext clients
lose it to TLS without port unification, as they would at install.)
*/}}
{{- define "zookeeper.checkUpgradeTransport" -}}
{{- $s := .s -}}
{{- $flags := .flags -}}
{{- $liveStandalone := and (eq (get $flags "servers" | default "") "1") (eq (get $flags "reconfig" | default "false") "false") -}}
{{- if not (and $liveStandalone (eq (int $s.replicas) 1) (not $s.reconfig)) -}}
{{- $ports := list (list "ports.server" "server_port" $s.ports.server) (list "ports.election" "election_port" $s.ports.election) -}}
{{- if and $s.reconfig (eq (get $flags "reconfig" | default "false") "true") -}}
{{- $ports = append $ports (list "ports.client" "client_port" $s.ports.client) -}}
{{- end -}}
{{- range $ports -}}
{{- $running := get $flags (index . 1) -}}
{{- $key := include "zookeeper.keyOf" (list $.root (index . 0)) -}}
{{- if and $running (ne (toString (int (index . 2))) $running) -}}
{{- println (printf "%s %d: the running members use %s, and mid-roll members on the old and the new port cannot reach each other, so the ensemble splits; keep %s %s" $key (int (index . 2)) $running $key $running) -}}
{{- end -}}
{{- end -}}
{{- if hasKey $flags "servers" -}}
{{- $liveTls := hasKey $flags "tls_dir" -}}
{{- $liveSpeaks := ternary "TLS" "plaintext" (and $liveTls (ne (get $flags "tls_quorum" | default "true") "false")) -}}
{{- $liveBoth := and $liveTls (eq (get $flags "tls_port_unification" | default "false") "true") -}}
{{- $speaks := ternary "TLS" "plaintext" (and $s.tls.enabled $s.tls.quorum) -}}
{{- $both := and $s.tls.enabled $s.tls.portUnification -}}
{{- if or (and (ne $speaks $liveSpeaks) (not $liveBoth)) (and (ne $speaks $liveSpeaks) (not $both)) -}}
{{- println (printf "tls.enabled %v, tls.quorum %v, tls.portUnification %v: the running members speak %s to each other%s, and members rolled with these would speak %s%s, so old and new cannot reach each other and the roll stalls with a member short; move one step at a time, through tls.portUnification true (README, Migrating a running ensemble from plaintext to TLS)" $s.tls.enabled $s.tls.quorum $s.tls.portUnification $liveSpeaks (ternary " and accept both" " and accept nothing else" $liveBoth) $speaks (ternary " and accept both" " and accept nothing else" $both)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A StatefulSet's volume claim templates never change: Kubernetes refuses the
update, after Helm has changed the other objects. And a standalone server's
existing claim is its data: another is another tree.
*/}}
{{- define "zookeeper.checkUpgradeClaims" -}}
{{- $s := .s -}}
{{- $root := .root -}}
{{- $name := include "zookeeper.fullname" $root -}}
{{- $claims := dict -}}
{{- if not $s.storage.existingClaim -}}
{{- $_ := set $claims "datadir" (list (include "zookeeper.keyOf" (list $root "storage.size")) $s.storage.size (include "zookeeper.keyOf" (list $root "storage.className")) $s.storage.className) -}}
{{- end -}}
{{- if ($s.storage.dataLog).enabled -}}
{{- $_ := set $claims "datalog" (list "storage.dataLog.size" $s.storage.dataLog.size "storage.dataLog.className" $s.storage.dataLog.className) -}}
{{- end -}}
{{- $liveClaims := dict -}}
{{- range (.live.spec).volumeClaimTemplates -}}
{{- $_ := set $liveClaims .metadata.name (list (toString .spec.resources.requests.storage) (hasKey .spec "storageClassName") (.spec.storageClassName | default "")) -}}
{{- $rendered := include "zookeeper.claimMetadata" (list $root .metadata.name) | fromYaml -}}
{{- if or (ne (toJson (.metadata.labels | default dict)) (toJson ($rendered.labels | default dict))) (ne (toJson (.metadata.annotations | default dict)) (toJson ($rendered.annotations | default dict))) -}}
{{- println (printf "commonLabels, commonAnnotations, storage.labels, storage.annotations: they label volume claim %s too, and Kubernetes never changes a running StatefulSet's claim templates; keep them as installed (labels %s, annotations %s)" .metadata.name (toJson (.metadata.labels | default dict)) (toJson (.metadata.annotations | default dict))) -}}
{{- end -}}
{{- end -}}
{{- $resize := printf "to grow the volumes, expand each claim instead (kubectl patch pvc, on a StorageClass that allows expansion), then follow README, Upgrade: the StatefulSet is replaced, its pods and volumes kept (kubectl -n %s delete statefulset %s --cascade=orphan)" $root.Release.Namespace $name -}}
{{- range $claim, $wanted := $claims -}}
{{- $running := get $liveClaims $claim -}}
{{- if not $running -}}
{{- println (printf "%s: adds volume claim %s to the running StatefulSet, whose claim templates Kubernetes never changes; it needs a new release (README, Upgrade)" (ternary "storage.dataLog.enabled" "storage.existingClaim empty" (eq $claim "datalog")) $claim) -}}
{{- else -}}
{{- if ne (include "zookeeper.quantityBytes" (index $wanted 1) | float64) (include "zookeeper.quantityBytes" (index $running 0) | float64) -}}
{{- println (printf "%s %v: the running StatefulSet's claims ask %s, and Kubernetes never changes a StatefulSet's claim templates; keep %s %s: %s" (index $wanted 0) (index $wanted 1) (index $running 0) (index $wanted 0) (index $running 0) $resize) -}}
{{- end -}}
{{- $class := index $wanted 3 -}}
{{- $rendersClass := kindIs "string" $class -}}
{{- $rendered := include "zookeeper.storageClassName" $class | fromYaml -}}
{{- if or (ne (hasKey $rendered "storageClassName") (index $running 1)) (ne (get $rendered "storageClassName" | toString) (index $running 2)) -}}
{{- println (printf "%s %v: the running StatefulSet's claims use %s, and Kubernetes never changes a StatefulSet's claim templates; keep it as installed" (index $wanted 2) (ternary (printf "%q" $class) "null" $rendersClass) (ternary (printf "storage class %q" (index $running 2)) "the cluster's default storage class" (index $running 1))) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- range $claim, $_ := $liveClaims -}}
{{- if not (hasKey $claims $claim) -}}
{{- println (printf "%s: drops volume claim %s of the running StatefulSet, whose claim templates Kubernetes never changes; keep it" (ternary "storage.dataLog.enabled false" "storage.existingClaim" (eq $claim "datalog")) $claim) -}}
{{- end -}}
{{- end -}}
{{- if $s.storage.existingClaim -}}
{{- range ((.live.spec).template).spec.volumes -}}
{{- if and (eq .name "datadir") .persistentVolumeClaim (ne .persistentVolumeClaim.claimName $s.storage.existingClaim) -}}
{{- println (printf "storage.existingClaim %q: the server runs on claim %q, and another claim is another data tree, its clients' data left behind; keep %q" $s.storage.existingClaim .persistentVolumeClaim.claimName .persistentVolumeClaim.claimName) -}}
{{- end -}}
{{- end -}}
{{- end -}}
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
{{- with include "zookeeper.live" . | fromJson -}}
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
{{- $tls := (include "zookeeper.settings" . | fromJson).tls -}}
{{- if or (not $tls.enabled) $tls.portUnification -}}true{{- end -}}
{{- end -}}

{{/*
Seconds in a duration as the schema takes it, as a float: a sum of
number-unit pairs, a Go duration (tls.certManager's: 1h30m, 1.5h, 500ms,
down to ns) or a Prometheus one (the ServiceMonitor's: 1d, 2w, 1y of 365
days, or 0). The schema keeps out what this cannot read (signs, µs).
*/}}
{{- define "zookeeper.durationSeconds" -}}
{{- $factors := dict "ns" 1e-9 "us" 1e-6 "ms" 1e-3 "s" 1 "m" 60 "h" 3600 "d" 86400 "w" 604800 "y" 31536000 -}}
{{- $seconds := 0.0 -}}
{{- /* ms before m and s: the first alternative that matches wins. */ -}}
{{- range regexFindAll "[0-9]+([.][0-9]+)?(ns|us|ms|s|m|h|d|w|y)" (toString .) -1 -}}
{{- $unit := regexFind "[a-z]+$" . -}}
{{- $seconds = addf $seconds (mulf (trimSuffix $unit .) (get $factors $unit)) -}}
{{- end -}}
{{- $seconds -}}
{{- end -}}

{{/*
TLS settings that contradict each other, refused at install; and Certificate
timings cert-manager's webhook refuses (its validation: a duration of 1h at
least, a renewBefore of 5m at least and below the duration), which would
fail helm install part-way, after the other objects are made.
*/}}
{{- define "zookeeper.checkTls" -}}
{{- $certManager := .tls.certManager -}}
{{- if and $certManager.enabled (not .tls.enabled) -}}
{{- println "tls.certManager.enabled: the Certificate is for TLS, which is off (set tls.enabled too)" -}}
{{- end -}}
{{- if and $certManager.enabled (not ($certManager.issuerRef).name) -}}
{{- println "tls.certManager.enabled needs tls.certManager.issuerRef.name: the Issuer or ClusterIssuer (a CA of this ensemble alone) that signs the members' certificate" -}}
{{- end -}}
{{- if $certManager.enabled -}}
{{- $duration := include "zookeeper.durationSeconds" $certManager.duration | float64 -}}
{{- $renewBefore := include "zookeeper.durationSeconds" $certManager.renewBefore | float64 -}}
{{- if lt $duration 3600.0 -}}
{{- println (printf "tls.certManager.duration %s: cert-manager refuses a certificate shorter than 1h" $certManager.duration) -}}
{{- end -}}
{{- if lt $renewBefore 300.0 -}}
{{- println (printf "tls.certManager.renewBefore %s: cert-manager refuses a renewBefore under 5m" $certManager.renewBefore) -}}
{{- else if ge $renewBefore $duration -}}
{{- /* A third of the duration, cert-manager's own default, written as Go writes it. */ -}}
{{- $third := div (int64 $duration) 3 -}}
{{- $hours := div $third 3600 -}}
{{- $minutes := div (mod $third 3600) 60 -}}
{{- $seconds := mod $third 60 -}}
{{- $suggested := printf "%s%s%s" (ternary (printf "%dh" $hours) "" (gt $hours 0)) (ternary (printf "%dm" $minutes) "" (gt $minutes 0)) (ternary (printf "%ds" $seconds) "" (gt $seconds 0)) -}}
{{- println (printf "tls.certManager.duration %s, tls.certManager.renewBefore %s: cert-manager refuses a certificate renewed before it is issued (renewBefore not below the duration); lower tls.certManager.renewBefore too, e.g. to %s (a third of the duration, cert-manager's own default)" $certManager.duration $certManager.renewBefore $suggested) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
With reconfig a member reads and changes the membership through its peers'
plaintext client port, which TLS keeps on each pod's loopback.
*/}}
{{- define "zookeeper.checkReconfig" -}}
{{- if and .reconfigExistingSecret (not .reconfig) -}}
{{- println (printf "reconfigExistingSecret %q: the superuser password is for reconfig, which is off (set reconfig too, or leave it out)" .reconfigExistingSecret) -}}
{{- end -}}
{{- if and .reconfig .tls.enabled (not .tls.portUnification) -}}
{{- println "reconfig with tls.enabled needs tls.portUnification: members read and change the membership through each other's plaintext client port, which TLS otherwise keeps on each pod's loopback" -}}
{{- end -}}
{{- end -}}

{{/*
A ServiceMonitor needs the exporter it scrapes; the exporter must listen
where Prometheus and the kubelet's probes reach it, the pod's address.
*/}}
{{- define "zookeeper.checkMetrics" -}}
{{- $monitor := .metrics.serviceMonitor -}}
{{- if and $monitor.enabled (not .metrics.enabled) -}}
{{- println "metrics.serviceMonitor.enabled: the ServiceMonitor scrapes the exporter, which is off (set metrics.enabled too)" -}}
{{- end -}}
{{- /* Prometheus refuses a scrape config so; 0 leaves either to its global default. */ -}}
{{- if $monitor.enabled -}}
{{- $interval := include "zookeeper.durationSeconds" $monitor.interval | float64 -}}
{{- $timeout := include "zookeeper.durationSeconds" $monitor.scrapeTimeout | float64 -}}
{{- if and (gt $interval 0.0) (gt $timeout $interval) -}}
{{- println (printf "metrics.serviceMonitor.scrapeTimeout %s: longer than metrics.serviceMonitor.interval %s, and Prometheus refuses a scrape timeout longer than the interval: the members would go unscraped; keep it at most the interval" $monitor.scrapeTimeout $monitor.interval) -}}
{{- end -}}
{{- end -}}
{{- /* The schema takes 0.0.0.0 or :: alone: a pod-wide bind address is a wildcard. */ -}}
{{- with .metrics.resources.limits -}}
{{- if and (hasKey . "memory") (not (kindIs "invalid" .memory)) -}}
{{- if lt (include "zookeeper.quantityBytes" .memory | float64) (mulf 32.0 1048576.0) -}}
{{- println (printf "metrics.resources.limits.memory %v: below 32Mi, which the exporter (a Python process) needs" .memory) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The exporter's --listen=[HOST:]PORT (zkcontainer/exporter.py listen_address):
an IPv6 host in brackets, [::]:9141. Takes the settings.
*/}}
{{- define "zookeeper.metricsListen" -}}
{{- $address := .metrics.listenAddress | default "0.0.0.0" | trimPrefix "[" | trimSuffix "]" -}}
{{- if contains ":" $address -}}
{{- $address = printf "[%s]" $address -}}
{{- end -}}
--listen={{ $address }}:{{ int .metrics.port }}
{{- end -}}

{{/*
The ServiceMonitor's or PrometheusRule's name in NAMESPACE (empty: the
release's): the release's name at home; elsewhere <release namespace>.<name>,
so that releases of one name in two namespaces, monitored from a third, do
not take each other's object. A dot, because neither a namespace nor a
release name can hold one: "a-b" in "x" and "b" in "x-a" stay apart.
Takes (list $ NAMESPACE).
*/}}
{{- define "zookeeper.monitoringName" -}}
{{- $ := index . 0 -}}
{{- $name := include "zookeeper.fullname" $ -}}
{{- $namespace := index . 1 | default $.Release.Namespace -}}
{{- if eq $namespace $.Release.Namespace -}}
{{- $name -}}
{{- else -}}
{{- printf "%s.%s" $.Release.Namespace $name -}}
{{- end -}}
{{- end -}}

{{/* A PrometheusRule holds the user's rules, on the exporter's metrics. */}}
{{- define "zookeeper.checkPrometheusRule" -}}
{{- $rule := .metrics.prometheusRule -}}
{{- if and $rule.enabled (not .metrics.enabled) -}}
{{- println "metrics.prometheusRule.enabled: its rules read the exporter's metrics, which is off (set metrics.enabled too)" -}}
{{- end -}}
{{- if and $rule.enabled (not $rule.rules) -}}
{{- println "metrics.prometheusRule.enabled without metrics.prometheusRule.rules: the PrometheusRule would alert on nothing (give rules, like the example in values.yaml)" -}}
{{- end -}}
{{- end -}}

{{/*
An existing claim is one volume: every pod of the StatefulSet would mount
it, and two members must never share a data directory. Takes the settings.
*/}}
{{- define "zookeeper.checkStorage" -}}
{{- $claim := .storage.existingClaim -}}
{{- if $claim -}}
{{- $pods := add (int .replicas) (int .observers) -}}
{{- if gt $pods 1 -}}
{{- println (printf "storage.existingClaim %q: one claim for %d pods, and two members must never share a data directory; it is for a standalone server (replicas 1, no observers), or leave it empty for a claim per member" $claim $pods) -}}
{{- end -}}
{{- if .reconfig -}}
{{- println (printf "storage.existingClaim %q with reconfig: kubectl scale would add members mounting the same claim; leave it empty for a claim per member" $claim) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The client Service's settings that its type ignores or Kubernetes refuses
for it, refused rather than dropped. Takes the settings.
*/}}
{{- define "zookeeper.checkService" -}}
{{- $service := .service -}}
{{- $type := $service.type -}}
{{- $nodePorts := $service.nodePorts | default dict -}}
{{- range $key := list "client" "clientTls" -}}
{{- $port := get $nodePorts $key -}}
{{- if and $port (eq $type "ClusterIP") -}}
{{- println (printf "service.nodePorts.%s %v: a ClusterIP Service has no node ports (set service.type to NodePort or LoadBalancer)" $key (int $port)) -}}
{{- end -}}
{{- end -}}
{{- if and $nodePorts.client .tls.enabled (not .tls.portUnification) -}}
{{- println (printf "service.nodePorts.client %v: with tls.enabled the client Service offers no plaintext port (set service.nodePorts.clientTls)" (int $nodePorts.client)) -}}
{{- end -}}
{{- if and $nodePorts.clientTls (not .tls.enabled) -}}
{{- println (printf "service.nodePorts.clientTls %v: the client Service offers TLS only with tls.enabled" (int $nodePorts.clientTls)) -}}
{{- end -}}
{{- if and $nodePorts.client $nodePorts.clientTls (eq (int $nodePorts.client) (int $nodePorts.clientTls)) -}}
{{- println (printf "service.nodePorts.clientTls %v: same node port as service.nodePorts.client" (int $nodePorts.clientTls)) -}}
{{- end -}}
{{- if ne $type "LoadBalancer" -}}
{{- if $service.loadBalancerIP -}}
{{- println (printf "service.loadBalancerIP %s: only a LoadBalancer Service takes it (service.type is %s)" $service.loadBalancerIP $type) -}}
{{- end -}}
{{- if $service.loadBalancerSourceRanges -}}
{{- println (printf "service.loadBalancerSourceRanges: only a LoadBalancer Service takes them (service.type is %s)" $type) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $type "ClusterIP") (eq $service.externalTrafficPolicy "Local") -}}
{{- println "service.externalTrafficPolicy Local: a ClusterIP Service has no external traffic (set service.type to NodePort or LoadBalancer)" -}}
{{- end -}}
{{- end -}}

{{/*
What the values add to the pod may not take the chart's own names or
paths: Kubernetes refuses a pod with two volumes or containers of one name,
or two mounts at one path, and a mount naming no volume (or one of the
chart's that these values do not render). A mount at, under or above one
of the chart's would hide its files or be hidden; paths are compared as the
kubelet reads them, cleaned. Nor may a host alias take the Services' names.
*/}}
{{- define "zookeeper.checkPod" -}}
{{- $values := .Values -}}
{{- $s := include "zookeeper.settings" . | fromJson -}}
{{- $volumes := list "datadir" "conf" "tls" "reconfig" "datalog" -}}
{{- /* The chart's volumes a pod leaves out, with the value that would render them. */ -}}
{{- $off := dict -}}
{{- if not $s.tls.enabled -}}{{- $_ := set $off "tls" "tls.enabled" -}}{{- end -}}
{{- if not $s.reconfig -}}{{- $_ := set $off "reconfig" "reconfig" -}}{{- end -}}
{{- if not $s.storage.dataLog.enabled -}}{{- $_ := set $off "datalog" "storage.dataLog.enabled" -}}{{- end -}}
{{- $all := $volumes -}}
{{- $extra := list -}}
{{- range $values.extraVolumes -}}
{{- if has .name $volumes -}}
{{- println (printf "extraVolumes %s: the chart names a volume of its own so (%s); choose another name" .name (join ", " $volumes)) -}}
{{- else if has .name $extra -}}
{{- println (printf "extraVolumes %s: two volumes of that name; Kubernetes refuses the pod" .name) -}}
{{- end -}}
{{- $extra = append $extra .name -}}
{{- $all = append $all .name -}}
{{- end -}}
{{- $paths := list "/var/lib/zookeeper" "/var/lib/zookeeper-datalog" "/opt/zookeeper/conf" "/etc/zookeeper/tls" "/etc/zookeeper/reconfig" -}}
{{- $mounted := dict -}}
{{- range $values.extraVolumeMounts -}}
{{- $mount := . -}}
{{- if hasKey $off .name -}}
{{- println (printf "extraVolumeMounts %s: the chart renders no such volume with %s off (set it, or mount another volume)" .name (get $off .name)) -}}
{{- else if not (has .name $all) -}}
{{- println (printf "extraVolumeMounts %s: no volume of that name (add it to extraVolumes)" .name) -}}
{{- end -}}
{{- /* As the kubelet reads it: /opt/zookeeper/./conf/ is /opt/zookeeper/conf. */ -}}
{{- $path := clean .mountPath -}}
{{- range $paths -}}
{{- if or (eq $path .) (hasPrefix (printf "%s/" .) $path) (hasPrefix (printf "%s/" (trimSuffix "/" $path)) .) -}}
{{- println (printf "extraVolumeMounts %s: %s is at, under or above the chart's own mount %s (%s); mount elsewhere" $mount.name $mount.mountPath . (join ", " $paths)) -}}
{{- break -}}
{{- end -}}
{{- end -}}
{{- if hasKey $mounted $path -}}
{{- println (printf "extraVolumeMounts %s: %s is %s's mount path too; Kubernetes refuses two mounts at one path" .name .mountPath (get $mounted $path)) -}}
{{- end -}}
{{- $_ := set $mounted $path .name -}}
{{- end -}}
{{- /*
/etc/hosts answers before DNS: a host alias under the Services' names would
point members, probes or helm test at another address, as --domain would.
*/ -}}
{{- $name := include "zookeeper.fullname" . -}}
{{- $services := printf "(^|\\.)(%s-hs|%s-cs)(\\.%s(\\.svc(\\.%s)?)?)?\\.?$" (regexQuoteMeta $name) (regexQuoteMeta $name) (regexQuoteMeta .Release.Namespace) (regexQuoteMeta ($s.clusterDomain | toString)) -}}
{{- range $values.hostAliases -}}
{{- $ip := .ip -}}
{{- range .hostnames -}}
{{- if regexMatch $services . -}}
{{- println (printf "hostAliases %s: %s is a name of the release's Services (%s-hs, %s-cs), which members, probes and helm test resolve; an alias would point them elsewhere" $ip . $name $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $containers := list "zookeeper" "metrics" -}}
{{- range $key := list "initContainers" "sidecars" -}}
{{- range get $values $key -}}
{{- if has .name $containers -}}
{{- println (printf "%s %s: the chart's containers are zookeeper and metrics; choose another name" $key .name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "zookeeper.serviceAccountName" -}}
{{- $account := (include "zookeeper.settings" . | fromJson).serviceAccount -}}
{{- if $account.create -}}
{{- $account.name | default (include "zookeeper.fullname" .) -}}
{{- else -}}
{{- $account.name | default "default" -}}
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
{{- $settings := include "zookeeper.givenSettings" . | fromJson -}}
{{- $defaults := .Files.Get "files/values.yaml" | fromYaml -}}
{{- if or (not $defaults) (hasKey $defaults "Error") -}}
{{- fail "the chart's files/values.yaml, a copy of values.yaml (make manifests writes it), is missing or unreadable: the chart reads its defaults there" -}}
{{- end -}}
{{- /* What a null removed comes back from the defaults, so that no template breaks on it before zookeeper.validate refuses it. */ -}}
{{- range include "zookeeper.removedDefaults" (list $defaults $settings list) | splitList "\n" | compact -}}
{{- $steps := fromJsonArray . -}}
{{- $parent := $settings -}}
{{- $default := $defaults -}}
{{- range initial $steps -}}
{{- $parent = get $parent . -}}
{{- $default = get $default . -}}
{{- end -}}
{{- $_ := set $parent (last $steps) (get $default (last $steps)) -}}
{{- end -}}
{{- toJson $settings -}}
{{- end -}}

{{/*
The settings as the values give them (zookeeper.settings before the chart's
defaults come back where a null removed them), as JSON.
*/}}
{{- define "zookeeper.givenSettings" -}}
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
Where a null in the values removed one of the chart's defaults: Helm deletes
a key set to null from the values before the schema sees them, so that
`replicas:` left blank would render 0 members and `tls: null` break
templates. One line per removed key, its path as a JSON list. Takes
(list DEFAULTS VALUES PATH). In the security contexts and under resources a
null drops a field on purpose (the README says so: OpenShift assigns its own
uid; a limit may go), and is left alone; zookeeper.checkPodSpec says what the
restricted Pod Security Standard needs of the security contexts.
*/}}
{{- define "zookeeper.removedDefaults" -}}
{{- $values := index . 1 -}}
{{- $path := index . 2 -}}
{{- range $key, $default := index . 0 -}}
{{- $at := append $path $key -}}
{{- if not (or (kindIs "invalid" $default) (has (join "." $at) (list "podSecurityContext" "securityContext"))) -}}
{{- if not (hasKey $values $key) -}}
{{- println (toJson $at) -}}
{{- else if and (kindIs "map" $default) (kindIs "map" (get $values $key)) (not (has (join "." $at) (list "resources" "metrics.resources"))) -}}
{{- include "zookeeper.removedDefaults" (list $default (get $values $key) $at) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A key set to null that removed one of the chart's defaults. */}}
{{- define "zookeeper.checkRemovedDefaults" -}}
{{- $defaults := .Files.Get "files/values.yaml" | fromYaml -}}
{{- range include "zookeeper.removedDefaults" (list $defaults (include "zookeeper.givenSettings" . | fromJson) list) | splitList "\n" | compact -}}
{{- $steps := fromJsonArray . -}}
{{- $default := $defaults -}}
{{- range $steps -}}
{{- $default = get $default . -}}
{{- end -}}
{{- if kindIs "map" $default -}}
{{- $keys := list -}}
{{- range $key, $_ := $default -}}
{{- $keys = append $keys (printf "%s.%s" (join "." $steps) $key) -}}
{{- end -}}
{{- println (printf "%s: null removes the chart's defaults (%s): set a value, or leave the key out" (join "." $steps) (join ", " $keys)) -}}
{{- else -}}
{{- println (printf "%s: null removes the chart's default (%s): set a value, or leave the key out" (join "." $steps) (toJson $default)) -}}
{{- end -}}
{{- end -}}
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
{{- $request := ((.resources).requests).memory -}}
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
{{- else if $request -}}
{{- /* No limit: the request is what the scheduler finds room for; a heap beyond it takes the node's memory from its other pods, or has this one evicted first under pressure. */ -}}
{{- $needed := mulf 1.5 (include "zookeeper.heapBytes" .heap | float64) -}}
{{- if lt (include "zookeeper.quantityBytes" $request | float64) $needed -}}
{{- println (printf "heap %s needs a memory request of at least 1.5 x heap, %.2fGi; the request is %v and there is no limit (resources.requests.memory; better, set resources.limits.memory to the same)" .heap (divf $needed 0x1p30) $request) -}}
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
The start-zookeeper flags (zkcontainer/settings.py, FLAGS) extraFlags may
carry besides: none changes a member's identity, what its probes ask, or
its memory. Every other flag is refused: those the chart sets itself
(zookeeper.chartFlags: set the value named instead), those below in
zookeeper.refusedFlags (with why), and any flag start-zookeeper does not know.
kind: how the value is checked (int from min to max, bool, or as a later
check says); tls: only with tls.enabled, as start-zookeeper refuses it
without --tls_dir.
*/}}
{{- define "zookeeper.allowedFlags" -}}
# ZooKeeper's behaviour, not its identity: the AdminServer (its port is
# checked against the pod's others) and leaving the quorum on SIGTERM.
admin_port: {kind: int, min: 0, max: 65535}
fast_failover: {kind: bool}
# TLS tuning: how often a renewed certificate is looked for, and further
# CAs for client certificates (a file the pod must mount).
tls_reload_interval: {kind: int, min: 1, max: 3600, tls: true}
tls_client_ca: {kind: path, tls: true}
# Kept only with the probes' words in (ruok for liveness, mntr for
# readiness, the exporter and helm test), or "*".
four_letter_words: {kind: words}
# JVM options, without the heap sizing that heap and the memory check own.
jvm_flags: {kind: jvm}
{{- end -}}

{{/* Flags extraFlags refuses that the chart does not set: flag -> why. */}}
{{- define "zookeeper.refusedFlags" -}}
hostname: "a member takes its server id from its pod's name: every pod would take the same id"
domain: "members find each other under the headless Service's domain: another would point them at foreign peers"
client_address: "the probes and the exporter ask the plaintext client port on 127.0.0.1, which TLS already binds it to; elsewhere they fail"
dry_run: "start-zookeeper would print its files and exit, and the pod restart forever"
log_dir: "logs go to stdout; the directory must exist in the image, which the chart's read-only root cannot make"
zk_home: "the image's ZooKeeper is the one the chart's appVersion names and its probes know"
{{- end -}}

{{/*
The flags extraFlags and extraEnvVars carry, within zookeeper.allowedFlags.
An extraFlags entry is one --name=value (a true/false flag may stand alone,
as start-zookeeper reads it: true). start-zookeeper reads a ZK_<FLAG>
variable as --<flag>, so extraEnvVars is held to the same rule; a ZK_ name
that is no flag is left alone, and a value from a Secret or ConfigMap
(valueFrom) cannot be read here. Takes the settings.
*/}}
{{- define "zookeeper.checkExtraFlags" -}}
{{- $tls := .tls.enabled -}}
{{- $chartFlags := include "zookeeper.chartFlags" . | fromYaml -}}
{{- $allowed := include "zookeeper.allowedFlags" . | fromYaml -}}
{{- $refused := include "zookeeper.refusedFlags" . | fromYaml -}}
{{- $entries := list -}}
{{- range .extraFlags -}}
{{- $parsed := include "zookeeper.parseFlag" . | fromJson -}}
{{- $entries = append $entries (merge $parsed (dict "label" (printf "extraFlags %q" .) "readable" true)) -}}
{{- end -}}
{{- range .extraEnvVars -}}
{{- /* Names are case-sensitive: start-zookeeper reads ZK_HEAP, not ZK_heap; ZOOKEEPER_HOME is --zk_home's. */ -}}
{{- $flag := ternary "zk_home" (trimPrefix "ZK_" .name | lower) (eq .name "ZOOKEEPER_HOME") -}}
{{- if and (or (regexMatch "^ZK_[A-Z0-9_]+$" .name) (eq .name "ZOOKEEPER_HOME")) (or (hasKey $chartFlags $flag) (hasKey $refused $flag) (hasKey $allowed $flag)) -}}
{{- $entries = append $entries (dict "label" (printf "extraEnvVars %s: start-zookeeper reads it as --%s, and" .name $flag) "flag" $flag "hasValue" true "value" (toString (.value | default "")) "readable" (not .valueFrom)) -}}
{{- else if has .name (list "JAVA_TOOL_OPTIONS" "JDK_JAVA_OPTIONS" "_JAVA_OPTIONS") -}}
{{- println (printf "extraEnvVars %s: the JVM reads it past the chart's heap check; set JVM options in extraFlags --jvm_flags instead" .name) -}}
{{- end -}}
{{- end -}}
{{- range $entries -}}
{{- $flag := .flag -}}
{{- $value := .value -}}
{{- $label := .label -}}
{{- $rule := get $allowed $flag -}}
{{- if hasKey $chartFlags $flag -}}
{{- $instead := get $chartFlags $flag | default "" -}}
{{- println (printf "%s: the chart sets --%s itself; %s" $label $flag (ternary (printf "set %s instead" $instead) "it is the chart's volume layout, fixed" (ne $instead ""))) -}}
{{- else if hasKey $refused $flag -}}
{{- println (printf "%s: --%s is refused: %s; remove it" $label $flag (get $refused $flag)) -}}
{{- else if not $rule -}}
{{- println (printf "%s: --%s is not a flag extraFlags may set (%s); remove it" $label $flag (keys $allowed | sortAlpha | join ", ")) -}}
{{- else if and $rule.tls (not $tls) -}}
{{- println (printf "%s: --%s is for TLS, which is off (set tls.enabled, or remove it)" $label $flag) -}}
{{- else if not .readable -}}
{{- /* valueFrom: nothing to read until the pod starts, where start-zookeeper checks it. */ -}}
{{- else if and (not .hasValue) (ne $rule.kind "bool") -}}
{{- println (printf "%s: --%s needs a value: --%s=VALUE, in one entry" $label $flag $flag) -}}
{{- else if eq $rule.kind "bool" -}}
{{- if and .hasValue (not (has (lower $value) (list "true" "yes" "1" "on" "false" "no" "0" "off"))) -}}
{{- println (printf "%s: --%s must be true or false" $label $flag) -}}
{{- end -}}
{{- else if eq $rule.kind "int" -}}
{{- /* Base 10 with leading zeros, as start-zookeeper reads it. */ -}}
{{- if or (not (regexMatch "^[0-9]{1,10}$" $value)) (lt (atoi $value) (int $rule.min)) (gt (atoi $value) (int $rule.max)) -}}
{{- println (printf "%s: --%s must be a number from %d to %d" $label $flag (int $rule.min) (int $rule.max)) -}}
{{- end -}}
{{- else if eq $rule.kind "path" -}}
{{- if not (hasPrefix "/" $value) -}}
{{- println (printf "%s: --%s must be an absolute path" $label $flag) -}}
{{- end -}}
{{- else if eq $rule.kind "words" -}}
{{- $words := list -}}
{{- range splitList "," $value -}}
{{- $words = append $words (trim .) -}}
{{- end -}}
{{- if not (or (has "*" $words) (and (has "ruok" $words) (has "mntr" $words) (has "srvr" $words))) -}}
{{- println (printf "%s: the probes need ruok (liveness) and mntr (readiness, the exporter, helm test), and the start gate and zookeeper-scale srvr (whether a peer serves): name all three, or *" $label) -}}
{{- end -}}
{{- else if eq $rule.kind "jvm" -}}
{{- /*
start-zookeeper splits --jvm_flags as a shell would: -X''mx64g is -Xmx64g.
The chart reads options plainly, so it refuses what it cannot see through:
quotes, backslashes, and files of options (@argfiles, -XX:Flags=,
-XX:VMOptionsFile=). The heap's options in any case: the JVM's own matching
is not the chart's to second-guess.
*/ -}}
{{- if regexMatch "['\"\\\\]" $value -}}
{{- println (printf "%s: quotes and backslashes in --jvm_flags: the chart cannot see through them to check the heap; write each option plainly, separated by spaces" $label) -}}
{{- end -}}
{{- range splitList " " (regexReplaceAll "\\s+" (trim $value) " ") -}}
{{- if regexMatch "^-D(zookeeper\\.DigestAuthenticationProvider\\.superDigest|zookeeper\\.skipACL|zookeeper\\.log\\.dir|log4j\\.configuration|logback\\.configurationFile|zookeeper\\.snapshot\\.trust\\.empty|zookeeper\\.forceSync)(=|$)" . -}}
{{- /* --jvm_flags come last on the JVM's command line, so these would win over start-zookeeper's own; in the values they hold for every member, for as long as they stay. */ -}}
{{- println (printf "%s: %s overrides what start-zookeeper sets itself or decides from each member's data (reconfig's superuser, the ACLs, logging, whether logs without a snapshot are trusted, fsync of every write), for every member as long as it stays in the values; remove it" $label (regexFind "^-D[^=]*" .)) -}}
{{- else if regexMatch "^-XX:-ExitOnOutOfMemoryError$" . -}}
{{- println (printf "%s: -XX:-ExitOnOutOfMemoryError keeps a JVM that ran out of heap running, unreliable; start-zookeeper has it exit so that the kubelet restarts it; remove it" $label) -}}
{{- else if or (hasPrefix "@" .) (regexMatch "(?i)^-XX:(Flags|VMOptionsFile)=" .) -}}
{{- println (printf "%s: %s reads JVM options from a file: the chart cannot see into it to check the heap; give the options in --jvm_flags" $label .) -}}
{{- else if regexMatch "(?i)^-(Xmx|Xms|XX:[+-]?(MaxHeapSize|InitialHeapSize|MinHeapSize|MaxRAM|[A-Za-z]*RAMPercentage|[A-Za-z]*RAMFraction))" . -}}
{{- println (printf "%s: %s sizes the heap, which heap sets (and the memory check compares with resources); set heap instead" $label .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
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
{{- $parsed := include "zookeeper.parseFlag" . | fromJson -}}
{{- $_ := set $extra $parsed.flag $parsed.value -}}
{{- end -}}
{{- $admin := get $extra "admin_port" | default "0" -}}
{{- $adminLabel := "extraFlags --admin_port" -}}
{{- /* The command line wins over ZK_ADMIN_PORT, as start-zookeeper reads them. */ -}}
{{- if not (hasKey $extra "admin_port") -}}
{{- range .extraEnvVars -}}
{{- if and (eq .name "ZK_ADMIN_PORT") (not .valueFrom) -}}
{{- $admin = toString (.value | default "0") -}}
{{- $adminLabel = "extraEnvVars ZK_ADMIN_PORT" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- /* Base 10, as start-zookeeper reads it: sprig's int takes "09141" for octal. */ -}}
{{- if and (regexMatch "^[0-9]{1,5}$" $admin) (ne (atoi $admin) 0) -}}
{{- $ports = append $ports (list $adminLabel (atoi $admin)) -}}
{{- end -}}
{{- /* Sidecars share the pod's network namespace too. */ -}}
{{- range .sidecars -}}
{{- $sidecar := .name -}}
{{- range .ports -}}
{{- $ports = append $ports (list (printf "sidecars %s containerPort" $sidecar) .containerPort) -}}
{{- end -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $ports -}}
{{- $key := toString (int (index . 1)) -}}
{{- if hasKey $seen $key -}}
{{- $why := "start-zookeeper refuses it" -}}
{{- if has "metrics.port" (list (index . 0) (get $seen $key)) -}}
{{- $why = "the exporter shares the pod's ports with ZooKeeper" -}}
{{- else if hasPrefix "sidecars " (index . 0) -}}
{{- $why = "a sidecar shares the pod's ports with ZooKeeper" -}}
{{- end -}}
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
{{- println (printf "podDisruptionBudget.maxUnavailable %v with reconfig: the ensemble's size changes with kubectl scale, and only 0 or 1 keeps a quorum at every size of 3 or more (2 voters keep one only with both up: scale no lower than 3)" $pdb.maxUnavailable) -}}
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
{{- /* With reconfig kubectl scale changes the size a percentage is of: only 1 is one member at every size. */ -}}
{{- if or (gt (include "zookeeper.unavailable" (list $rolling $pods) | int) 1) (and .reconfig (ne (toString $rolling) "1")) -}}
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
{{- $grace := .terminationGracePeriodSeconds -}}
{{- range $hook, $handler := .lifecycleHooks -}}
{{- if and $handler.sleep (gt (float64 $handler.sleep.seconds) (float64 $grace)) -}}
{{- println (printf "lifecycleHooks.%s.sleep.seconds %d exceeds terminationGracePeriodSeconds %d: Kubernetes refuses the pod" $hook (int $handler.sleep.seconds) (int $grace)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
