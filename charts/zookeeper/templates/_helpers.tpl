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
{{- include "zookeeper.settings" . -}}
{{- $s := .zookeeperSettings -}}
{{- /* For checks whose messages name the key the user set (zookeeper.keyOf). */ -}}
{{- $context := dict "root" . "s" $s -}}
{{- $found := list
  (include "zookeeper.checkName" .)
  (include "zookeeper.checkHeap" $context)
  (include "zookeeper.checkSettings" $context)
  (include "zookeeper.checkExtraFlags" $s)
  (include "zookeeper.checkDisruption" $context)
  (include "zookeeper.checkTls" $s)
  (include "zookeeper.checkMetrics" $s)
  (include "zookeeper.checkBackup" $s)
  (include "zookeeper.checkReconfig" $s)
  (include "zookeeper.checkAuth" $s)
  (include "zookeeper.checkUpgrade" .)
  (include "zookeeper.checkStorage" $s)
  (include "zookeeper.checkService" $s)
  (include "zookeeper.checkNetworkPolicy" $s)
  (include "zookeeper.checkPod" .)
  (include "zookeeper.checkAffinity" .)
  (include "zookeeper.checkPrometheusRule" $s)
  (include "zookeeper.checkResources" (list "resources" $s.resources .))
  (include "zookeeper.checkResources" (list "metrics.resources" $s.metrics.resources .))
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
The members' pod labels: podLabels and commonLabels under the chart's own,
which win, since the StatefulSet's selector must select the pods. YAML.
*/}}
{{- define "zookeeper.podLabels" -}}
{{- $own := merge (include "zookeeper.selectorLabels" . | fromYaml) (dict "app.kubernetes.io/name" .Chart.Name "app.kubernetes.io/instance" .Release.Name) -}}
{{- include "zookeeper.settings" . -}}
{{- toYaml (merge $own (.zookeeperSettings.podLabels | default dict) (.Values.commonLabels | default dict)) -}}
{{- end -}}

{{/* The pod affinity term antiAffinity keeps members apart by: one per node. JSON. */}}
{{- define "zookeeper.antiAffinityTerm" -}}
{{- toJson (dict "labelSelector" (dict "matchLabels" (include "zookeeper.selectorLabels" . | fromYaml)) "topologyKey" "kubernetes.io/hostname") -}}
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
{{- $hosts := list -}}
{{- range include "zookeeper.memberShortHosts" . | fromJsonArray -}}
{{- $hosts = append $hosts (printf "%s.%s" . $.Release.Namespace) -}}
{{- end -}}
{{- toJson $hosts -}}
{{- end -}}

{{/*
Each member's shortest name, <pod>.<name>-hs, which a pod of the release's
namespace resolves, for every pod the StatefulSet runs
(zookeeper.replicaCount). JSON list.
*/}}
{{- define "zookeeper.memberShortHosts" -}}
{{- include "zookeeper.shortHosts" (list . (include "zookeeper.replicaCount" .)) -}}
{{- end -}}

{{/* <pod>.<name>-hs of the StatefulSet's first COUNT pods. Takes (list $ COUNT); JSON list. */}}
{{- define "zookeeper.shortHosts" -}}
{{- $name := include "zookeeper.fullname" (index . 0) -}}
{{- $hosts := list -}}
{{- range $i := until (index . 1 | int) -}}
{{- $hosts = append $hosts (printf "%s-%d.%s-hs" $name $i $name) -}}
{{- end -}}
{{- toJson $hosts -}}
{{- end -}}

{{/*
The members' certificate's DNS names: every form a client may name a member
or the client Service by from inside the cluster (NOTES.txt prints
<pod>.<name>-hs.<namespace> and <name>-cs.<namespace>; docs/helm-chart.md's
naming table the FQDNs). A wildcard stands for one label, the pod's name (RFC 6125),
so each of the headless Service's forms needs its own; and OpenSSL, which
Python's ssl, kazoo and the C client check names with, takes no wildcard
with fewer than two labels after it: *.<name>-hs would match nothing there.
So each member's short name is listed itself, for every pod the StatefulSet
runs (zookeeper.replicaCount) and every pod of the initial ensemble, whichever
are more: with reconfig an upgrade while kubectl scale has the ensemble
smaller, or at 0 pods, must not strip the names its members come back with
(cert-manager would reissue the certificate without them). A pod kubectl
scale adds beyond both after this render is named by the wildcards alone,
until the next helm upgrade. JSON list.
*/}}
{{- define "zookeeper.certificateNames" -}}
{{- include "zookeeper.settings" . -}}
{{- $s := .zookeeperSettings -}}
{{- $name := include "zookeeper.fullname" . -}}
{{- $members := max (add (int $s.replicas) (int $s.observers)) (include "zookeeper.replicaCount" . | int) -}}
{{- $ns := .Release.Namespace -}}
{{- $suffixes := list (printf "%s.svc.%s" $ns $s.clusterDomain) (printf "%s.svc" $ns) $ns -}}
{{- $names := list -}}
{{- range $suffixes -}}
{{- $names = append $names (printf "*.%s-hs.%s" $name .) -}}
{{- end -}}
{{- $names = concat $names (include "zookeeper.shortHosts" (list . $members) | fromJsonArray) -}}
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
{{- include "zookeeper.settings" $ -}}
{{- $storage := $.zookeeperSettings.storage -}}
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

{{/* The backup job's pods: what the NetworkPolicy lets reach the AdminServer. */}}
{{- define "zookeeper.backupLabels" -}}
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: {{ include "zookeeper.fullname" . }}-backup
{{- end -}}

{{/* The kubernetes.io/tls Secret the members (and the test pod) mount. */}}
{{- define "zookeeper.tlsSecretName" -}}
{{- include "zookeeper.settings" . -}}
{{- .zookeeperSettings.tls.secretName | default (printf "%s-tls" (include "zookeeper.fullname" .)) -}}
{{- end -}}

{{/*
The Secret holding ZooKeeper's superuser password, with reconfig: the
user's (reconfigExistingSecret), or the one the chart makes.
*/}}
{{- define "zookeeper.clientAuthSecretName" -}}
{{- .zookeeperSettings.auth.client.existingSecret | default (printf "%s-client-auth" (include "zookeeper.fullname" .)) -}}
{{- end -}}

{{- define "zookeeper.quorumAuthSecretName" -}}
{{- .zookeeperSettings.auth.quorum.existingSecret | default (printf "%s-quorum-auth" (include "zookeeper.fullname" .)) -}}
{{- end -}}

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
(zkcontainer/settings/command_line.py): the name runs from after the leading
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
A flag's value as the number start-zookeeper reads (zkcontainer/settings/reader.py,
integer): base 10 whatever its leading zeros, 0009141 is 9141 (sprig's int
would read 09141 as octal). Empty when it is no number: digits only, at most
10 past the zeros, beyond every flag's range. Every check of a numeric flag
reads it through here, so that they agree on which number it is.
*/}}
{{- define "zookeeper.flagNumber" -}}
{{- $digits := regexReplaceAll "^0+" . "" | default "0" -}}
{{- if and (regexMatch "^[0-9]+$" .) (le (len $digits) 10) -}}
{{- atoi $digits -}}
{{- end -}}
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
cluster (zookeeper.live): `helm template` cannot check this (docs/helm-chart.md,
"Upgrade"). A live StatefulSet whose zookeeper container runs no flags the
chart can read (renamed, wrapped in a shell) is compared on what can be read.
*/}}
{{- define "zookeeper.checkUpgrade" -}}
{{- $live := include "zookeeper.live" . | fromJson -}}
{{- if $live -}}
{{- include "zookeeper.settings" . -}}
{{- $context := dict "root" . "s" .zookeeperSettings "live" $live "flags" (include "zookeeper.liveFlags" $live | fromJson) -}}
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
{{- range $key, $paths := include "zookeeper.givenOriginalKeys" $root | fromYaml -}}
{{- if has $path $paths -}}
{{- $named = $key -}}
{{- end -}}
{{- end -}}
{{- $named -}}
{{- end -}}

{{/* Who votes: the server list, static or the initial ensemble of reconfig. */}}
{{- define "zookeeper.checkUpgradeMembers" -}}
{{- $s := .s -}}
{{- $flags := .flags -}}
{{- $replicasKey := include "zookeeper.keyOf" (list .root "replicas") -}}
{{- if hasKey $flags "servers" -}}
{{- $now := include "zookeeper.liveMembers" .root | fromJson -}}
{{- $liveReconfig := eq $now.membership "reconfig" -}}
{{- $liveServers := get $flags "servers" | atoi -}}
{{- $liveObservers := get $flags "observers" | default "0" | atoi -}}
{{- $livePods := int (.live.spec).replicas -}}
{{- $servers := int $s.replicas -}}
{{- $observers := int $s.observers -}}
{{- if and (not $liveReconfig) (ne $servers $liveServers) -}}
{{- println (printf "%s %d: the ensemble runs %d voting member%s with static membership, and a static resize rolled pod by pod lets new, empty members outvote the data (start-zookeeper holds them back, and the roll stalls). Keep %s %d, or %s" $replicasKey $servers $liveServers (ternary "" "s" (eq $liveServers 1)) $replicasKey $liveServers (include "zookeeper.resizeAdvice" (list .root $servers $now))) -}}
{{- else if and (not $liveReconfig) $s.reconfig (ne $livePods 0) (ne $livePods (add $liveServers $liveObservers)) -}}
{{- /* With reconfig the chart keeps the pods it finds (zookeeper.replicaCount): pods kubectl scale took from a static ensemble would stay gone, a quorum short or its budget wrong. */ -}}
{{- println (printf "reconfig true: the StatefulSet runs %d pods, but its static ensemble has %d voting members and %d observers (kubectl scale changed the pods, not the membership), and with reconfig the chart keeps the pods it finds; first scale it back (kubectl -n %s scale statefulset %s --replicas=%d), then turn on reconfig" $livePods $liveServers $liveObservers .root.Release.Namespace (include "zookeeper.fullname" .root) (add $liveServers $liveObservers)) -}}
{{- else if and (not $liveReconfig) $s.reconfig (ne $observers $liveObservers) -}}
{{- println (printf "observers %d while turning on reconfig: the StatefulSet keeps its %d pods, and the initial ensemble would name %d observers that never run; change observers in one upgrade, then turn on reconfig in the next" $observers $livePods $observers) -}}
{{- end -}}
{{- if and $liveReconfig $s.reconfig (or (ne $servers $liveServers) (ne $observers $liveObservers)) -}}
{{- println (printf "%s %d, observers %d with reconfig: they name the initial ensemble, fixed at install as %d and %d; the ensemble's size is the StatefulSet's (%d pods now): change it with kubectl scale and zookeeper-scale, and keep %s %d and observers %d" $replicasKey $servers $observers $liveServers $liveObservers $livePods $replicasKey $liveServers $liveObservers) -}}
{{- end -}}
{{- if and $liveReconfig (not $s.reconfig) (eq $livePods 0) -}}
{{- /* No member runs: none holds a membership to read, or to run zookeeper-scale in. */ -}}
{{- println (printf "reconfig false: the StatefulSet is scaled to 0, and without reconfig every member would start with a static list of %d, which may not be the membership the members hold; keep reconfig on, or first start it again at the size it ran before it stopped (kubectl -n %s scale statefulset %s --replicas=N), bring it to %d if N differs (zookeeper-scale, then kubectl scale), and keep %s %d and observers %d" (add $servers $observers) .root.Release.Namespace (include "zookeeper.fullname" .root) (add $liveServers $liveObservers) $replicasKey $liveServers $liveObservers) -}}
{{- else if and $liveReconfig (not $s.reconfig) (or (ne $livePods (add $liveServers $liveObservers)) (ne $livePods (add $servers $observers))) -}}
{{- println (printf "reconfig false: the ensemble runs %d pods, sized by kubectl scale since the install with %d, and without reconfig every member would restart with a static list of %d, which is not the membership the members hold; %s" $livePods (add $liveServers $liveObservers) (add $servers $observers) (ternary "keep reconfig on: it was installed with one voting member, and zookeeper-scale keeps at least two, so it cannot go back to the installed size" (printf "keep reconfig on, or first scale to %d (zookeeper-scale, then kubectl scale) and keep %s %d and observers %d" (add $liveServers $liveObservers) $replicasKey $liveServers $liveObservers) (eq $liveServers 1))) -}}
{{- else if and $liveReconfig (not $s.reconfig) (or (ne $servers $liveServers) (ne $observers $liveObservers)) -}}
{{- /* Same pods, another split: the static-resize rule's danger, by way of turning reconfig off. */ -}}
{{- println (printf "reconfig false with %s %d and observers %d: the members hold an ensemble of %d voting members and %d observers, and each member rolled without reconfig would restart with a static list of %d and %d, so who votes changes one pod at a time and old and new members can each count a quorum of their own; keep %s %d and observers %d" $replicasKey $servers $observers $liveServers $liveObservers $servers $observers $replicasKey $liveServers $liveObservers) -}}
{{- end -}}
{{- if and $liveReconfig (not $s.reconfig) $s.tls.enabled $s.tls.portUnification -}}
{{- /* zookeeper.plaintextClients: port unification admits plaintext clients without reconfig, which kept ports.client to the members. */ -}}
{{- println "reconfig false with tls.enabled and tls.portUnification: without reconfig, port unification offers the plaintext ports.client to every client networkPolicy.clientFrom admits, where reconfig kept it to the members; set tls.portUnification=false in the same upgrade (the members keep speaking TLS to each other, which both old and new accept), or keep reconfig on while plaintext clients remain (tls.plaintextClients)" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Where and how members reach each other: the quorum and election ports, with
reconfig the client port too (a member of a dynamic ensemble listens where
the membership it holds says), and what the quorum speaks. A member connects
speaking TLS when tls.quorum is on, and accepts both with port unification;
old and new members must each accept what the other speaks, and trust
each other's certificates: a new TLS Secret (zookeeper.tlsSecretName) rolls
onto the members one by one, and one of another CA trusts only that CA. A
standalone server staying one (--servers=1, no reconfig) has no peers: its
one pod is replaced, and nothing of the old kind must reach it. (Its
plaintext clients lose it to TLS without port unification, as they would at
install.)
*/}}
{{- define "zookeeper.checkUpgradeTransport" -}}
{{- $s := .s -}}
{{- $flags := .flags -}}
{{- $liveStandalone := and (eq (get $flags "servers" | default "") "1") (eq (get $flags "reconfig" | default "false") "false") -}}
{{- $liveReconfig := eq (get $flags "reconfig" | default "false") "true" -}}
{{- /* At 0 pods nothing rolls: every member starts with the new values, except for what a dynamic membership keeps on the volumes, its ports. */ -}}
{{- $stopped := eq (toString (.live.spec).replicas) "0" -}}
{{- if not (and $liveStandalone (eq (int $s.replicas) 1) (not $s.reconfig)) -}}
{{- $ports := list -}}
{{- if or (not $stopped) $liveReconfig -}}
{{- $ports = list (list "ports.server" "server_port" $s.ports.server) (list "ports.election" "election_port" $s.ports.election) -}}
{{- end -}}
{{- if and $s.reconfig $liveReconfig -}}
{{- $ports = append $ports (list "ports.client" "client_port" $s.ports.client) -}}
{{- end -}}
{{- range $ports -}}
{{- $running := get $flags (index . 1) -}}
{{- $key := include "zookeeper.keyOf" (list $.root (index . 0)) -}}
{{- if and $running (ne (toString (int (index . 2))) $running) -}}
{{- println (printf "%s %d: the running members use %s, and mid-roll members on the old and the new port cannot reach each other, so the ensemble splits; keep %s %s" $key (int (index . 2)) $running $key $running) -}}
{{- end -}}
{{- end -}}
{{- if and (hasKey $flags "servers") (not $stopped) -}}
{{- $liveTls := hasKey $flags "tls_dir" -}}
{{- $liveSpeaks := ternary "TLS" "plaintext" (and $liveTls (ne (get $flags "tls_quorum" | default "true") "false")) -}}
{{- $liveBoth := and $liveTls (eq (get $flags "tls_port_unification" | default "false") "true") -}}
{{- $speaks := ternary "TLS" "plaintext" (and $s.tls.enabled $s.tls.quorum) -}}
{{- $both := and $s.tls.enabled $s.tls.portUnification -}}
{{- if or (and (ne $speaks $liveSpeaks) (not $liveBoth)) (and (ne $speaks $liveSpeaks) (not $both)) -}}
{{- println (printf "tls.enabled %v, tls.quorum %v, tls.portUnification %v: the running members speak %s to each other%s, and members rolled with these would speak %s%s, so old and new cannot reach each other and the roll stalls with a member short; move one step at a time, through tls.portUnification true (docs/tls.md, Migrating a running ensemble from plaintext to TLS)" $s.tls.enabled $s.tls.quorum $s.tls.portUnification $liveSpeaks (ternary " and accept both" " and accept nothing else" $liveBoth) $speaks (ternary " and accept both" " and accept nothing else" $both)) -}}
{{- end -}}
{{- end -}}
{{- if and $s.tls.enabled (not $stopped) -}}
{{- $secret := include "zookeeper.tlsSecretName" .root -}}
{{- range ((.live.spec).template).spec.volumes -}}
{{- if and (eq .name "tls") .secret (ne .secret.secretName $secret) -}}
{{- println (printf "tls.secretName %q: the running members mount Secret %q, and the roll would move them to Secret %q one by one: a member rolled onto a certificate of another CA trusts that CA alone, never rejoins, and the roll stalls with a member short; keep tls.secretName %q and put the new certificate into that Secret, which start-zookeeper reloads without a restart; for a new CA, roll over in two steps, both CAs trusted first (docs/tls.md, Renewal without a restart)" $s.tls.secretName .secret.secretName $secret .secret.secretName) -}}
{{- end -}}
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
{{- /*
Replacing the StatefulSet (--cascade=orphan) leaves no live one to read: the
chart then renders the initial ensemble's pods, and the new StatefulSet
deletes any a reconfig scale added, without zookeeper-scale.
*/ -}}
{{- $installed := add (get .flags "servers" | default "0" | atoi) (get .flags "observers" | default "0" | atoi) -}}
{{- $first := "" -}}
{{- if and (eq (get .flags "reconfig" | default "false") "true") (ne (int (.live.spec).replicas) $installed) -}}
{{- $first = printf "first bring the ensemble back to its installed %d pods (zookeeper-scale, then kubectl scale), as the new StatefulSet renders %d and deletes the others at once; then " $installed $installed -}}
{{- end -}}
{{- $resize := printf "to grow the volumes, expand each claim instead (kubectl patch pvc, on a StorageClass that allows expansion), then follow docs/helm-chart.md, Upgrade: %sthe StatefulSet is replaced, its pods and volumes kept (kubectl -n %s delete statefulset %s --cascade=orphan)" $first $root.Release.Namespace $name -}}
{{- range $claim, $wanted := $claims -}}
{{- $running := get $liveClaims $claim -}}
{{- if not $running -}}
{{- $how := ternary (printf "%sthe StatefulSet replaced and each member's transaction logs moved onto it (docs/helm-chart.md, Upgrade, \"Moving the transaction log\")" $first) (printf "the server moved off its existing claim: the StatefulSet deleted, the claim copied into datadir-%s-0, then this upgrade (docs/helm-chart.md, Upgrade, growing a standalone server on storage.existingClaim)" $name) (eq $claim "datalog") -}}
{{- println (printf "%s: adds volume claim %s to the running StatefulSet, whose claim templates Kubernetes never changes; it needs %s" (ternary "storage.dataLog.enabled" "storage.existingClaim empty" (eq $claim "datalog")) $claim $how) -}}
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
{{- $how := ternary ", or replace the StatefulSet and move each member's transaction logs back (docs/helm-chart.md, Upgrade, \"Moving the transaction log\")" "" (eq $claim "datalog") -}}
{{- println (printf "%s: drops volume claim %s of the running StatefulSet, whose claim templates Kubernetes never changes; keep it%s" (ternary "storage.dataLog.enabled false" "storage.existingClaim" (eq $claim "datalog")) $claim $how) -}}
{{- end -}}
{{- end -}}
{{- $running := (include "zookeeper.liveMembers" $root | fromJson).existingClaim -}}
{{- if and $s.storage.existingClaim $running (ne $running $s.storage.existingClaim) -}}
{{- println (printf "storage.existingClaim %q: the server runs on claim %q, and another claim is another data tree, its clients' data left behind; keep %q" $s.storage.existingClaim $running $running) -}}
{{- end -}}
{{- end -}}

{{/*
The StatefulSet's replica count: the voters and the observers, or, with
reconfig, the count the cluster runs now when the StatefulSet exists, since
`kubectl scale` (not the values) changes the size of a dynamic ensemble and
an upgrade must not undo it. Offline (helm template) nothing exists yet.
*/}}
{{- define "zookeeper.replicaCount" -}}
{{- include "zookeeper.settings" . -}}
{{- $s := .zookeeperSettings -}}
{{- $count := add (int $s.replicas) (int $s.observers) -}}
{{- if $s.reconfig -}}
{{- with include "zookeeper.live" . | fromJson -}}
{{- $count = int .spec.replicas -}}
{{- end -}}
{{- end -}}
{{- $count -}}
{{- end -}}

{{/*
PODS pods of an ensemble whose initial members were SERVERS voters and
OBSERVERS observers, as JSON {"voters": N, "observers": N}: the observers
are the ordinals from SERVERS up; kubectl scale adds voters above them, and
zookeeper-scale removes the highest members first, observers too. Takes
(list PODS SERVERS OBSERVERS).
*/}}
{{- define "zookeeper.memberSplit" -}}
{{- $pods := index . 0 | int -}}
{{- $observers := min (index . 2 | int) (max 0 (sub $pods (index . 1 | int))) -}}
{{- dict "voters" (sub $pods $observers) "observers" $observers | toJson -}}
{{- end -}}

{{/* The members the rendered StatefulSet runs: zookeeper.replicaCount's pods, split. */}}
{{- define "zookeeper.memberCounts" -}}
{{- include "zookeeper.settings" . -}}
{{- $s := .zookeeperSettings -}}
{{- include "zookeeper.memberSplit" (list (include "zookeeper.replicaCount" .) $s.replicas $s.observers) -}}
{{- end -}}

{{/*
What the release's StatefulSet runs now, as JSON: its "membership",
"reconfig" or "static" as its zookeeper container's flags say, its members
(zookeeper.memberSplit, on the values where the flags cannot be read), and
its "existingClaim", the claim its data volume mounts ("" for a claim per
member); {} when none runs (an install, or no cluster to ask: zookeeper.live).
*/}}
{{- define "zookeeper.liveMembers" -}}
{{- $live := include "zookeeper.live" . | fromJson -}}
{{- if $live -}}
{{- include "zookeeper.settings" . -}}
{{- $s := .zookeeperSettings -}}
{{- $flags := include "zookeeper.liveFlags" $live | fromJson -}}
{{- $initial := list $s.replicas $s.observers -}}
{{- if hasKey $flags "servers" -}}
{{- $initial = list (get $flags "servers") (get $flags "observers" | default "0") -}}
{{- end -}}
{{- $members := include "zookeeper.memberSplit" (list ($live.spec).replicas (first $initial) (last $initial)) | fromJson -}}
{{- $reconfig := and (hasKey $flags "reconfig") (ne (get $flags "reconfig") "false") -}}
{{- $claim := "" -}}
{{- range (($live.spec).template).spec.volumes -}}
{{- if and (eq .name "datadir") .persistentVolumeClaim -}}
{{- $claim = .persistentVolumeClaim.claimName -}}
{{- end -}}
{{- end -}}
{{- merge $members (dict "membership" (ternary "reconfig" "static" $reconfig) "existingClaim" $claim) | toJson -}}
{{- else -}}
{}
{{- end -}}
{{- end -}}

{{/*
How to give the ensemble VOTERS voting members, its observers kept, as
advice a user can follow. Before the release exists, the value. Once it
does, replicas is fixed (zookeeper.checkUpgradeMembers): a static ensemble
turns on reconfig with the same members first (docs/helm-chart.md, Upgrade), then
scales; a dynamic one scales, removing members with zookeeper-scale before
their pods. A server on storage.existingClaim does neither: every member
needs a claim of its own from the volume claim templates, which a running
StatefulSet never gains, and zookeeper.checkStorage refuses reconfig there;
its data moves to a claim of the release's own first (docs/helm-chart.md, Upgrade).
Takes (list $ VOTERS NOW), NOW what runs: zookeeper.liveMembers' form (its
existingClaim, when given, over the values'), {} before the release exists.
*/}}
{{- define "zookeeper.resizeAdvice" -}}
{{- $ := index . 0 -}}
{{- $voters := index . 1 | int -}}
{{- $now := index . 2 -}}
{{- include "zookeeper.settings" $ -}}
{{- $claim := ternary $now.existingClaim $.zookeeperSettings.storage.existingClaim (hasKey $now "existingClaim") -}}
{{- if not $now.membership -}}
set {{ include "zookeeper.keyOf" (list $ "replicas") }} to {{ $voters }}{{ if $claim }} and leave storage.existingClaim empty, a claim per member{{ end }}
{{- else if $claim -}}
{{- $name := include "zookeeper.fullname" $ -}}
move the server off storage.existingClaim {{ $claim | quote }} first: a server on one existing claim cannot grow in place, as every member needs a claim of its own from the volume claim templates; copy it into claim datadir-{{ $name }}-0 and re-create the StatefulSet without storage.existingClaim, then resize to {{ $voters }} voting member{{ if ne $voters 1 }}s{{ end }} (docs/helm-chart.md, Upgrade)
{{- else -}}
{{- $name := include "zookeeper.fullname" $ -}}
{{- $ns := $.Release.Namespace -}}
{{- $pods := add $voters (int $now.observers) -}}
{{- $scale := printf "kubectl -n %s scale statefulset %s --replicas=%d" $ns $name $pods -}}
{{- if lt $voters (int $now.voters) -}}
{{- $scale = printf "kubectl -n %s exec %s-0 -- zookeeper-scale %d, then %s" $ns $name $pods $scale -}}
{{- end -}}
{{- if eq $now.membership "static" -}}
{{- include "zookeeper.settings" $ -}}
{{- $tls := $.zookeeperSettings.tls -}}
{{- /* zookeeper.checkReconfig: reconfig under TLS needs port unification. */ -}}
{{- $set := ternary "reconfig=true,tls.portUnification=true" "reconfig=true" (and $tls.enabled (not $tls.portUnification)) -}}
resize to {{ $voters }} voting member{{ if ne $voters 1 }}s{{ end }} by turning on reconfig first with the same members (helm upgrade {{ $.Release.Name }} -n {{ $ns }} --reuse-values --set {{ $set }}), then {{ $scale }} (docs/helm-chart.md, Upgrade)
{{- else -}}
resize to {{ $voters }} voting member{{ if ne $voters 1 }}s{{ end }} with {{ $scale }}, no member restarting (docs/scaling.md, Scaling without restarts)
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Who reaches the plaintext client port from outside the pod. "clients":
without TLS, or while port unification migrates clients to TLS; the client
Service offers it and the NetworkPolicy admits networkPolicy.clientFrom.
"members": reconfig under TLS, where port unification stays on because the
members read and change the membership through each other's plaintext port,
and clients, on TLS, have no business there: the pods still declare it, the
Service leaves it out and the policy admits the members alone, unless
tls.plaintextClients keeps plaintext clients while they move to TLS. Empty:
start-zookeeper binds it to 127.0.0.1, the probes' alone. Takes the settings.
*/}}
{{- define "zookeeper.plaintextClients" -}}
{{- $tls := .tls -}}
{{- if or (not $tls.enabled) (and $tls.portUnification (or (not .reconfig) $tls.plaintextClients)) -}}
clients
{{- else if $tls.portUnification -}}
members
{{- end -}}
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
{{- if and .tls.plaintextClients (not (and .reconfig .tls.enabled)) -}}
{{- $why := "without TLS ports.client serves every client anyway" -}}
{{- if not .reconfig -}}
{{- $why = "without reconfig tls.portUnification is what admits plaintext clients" -}}
{{- end -}}
{{- println (printf "tls.plaintextClients true: it keeps plaintext clients on ports.client of a reconfig ensemble under TLS while they move to TLS, and %s; leave it out" $why) -}}
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
SASL (docs/security.md), as start-zookeeper would refuse it at the members'
start, refused at install instead: a Secret for what is off, a quorum of
one, a client user named as the superuser that reconfig's password holds.
*/}}
{{- define "zookeeper.checkAuth" -}}
{{- range $side := list "client" "quorum" -}}
{{- $auth := get $.auth $side -}}
{{- if and $auth.existingSecret (not $auth.enabled) -}}
{{- println (printf "auth.%s.existingSecret %q: the passwords are for auth.%s, which is off (set auth.%s.enabled too, or leave it out)" $side $auth.existingSecret $side $side) -}}
{{- end -}}
{{- end -}}
{{- if and .auth.quorum.enabled (eq (int .replicas) 1) (not .reconfig) -}}
{{- println "auth.quorum.enabled: a standalone server (replicas 1) has no quorum to authenticate; leave it out, or run an ensemble" -}}
{{- end -}}
{{- if and .auth.client.enabled .reconfig (not .auth.client.existingSecret) (eq .auth.client.clientUser "super") -}}
{{- println "auth.client.clientUser super: the name of ZooKeeper's superuser, whose password reconfig's Secret holds; choose another" -}}
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
Backups take the AdminServer's snapshot, on the port backup.adminPort sets;
a restore reads one file of a claim every member mounts.
*/}}
{{- define "zookeeper.checkBackup" -}}
{{- if .backup.enabled -}}
{{- range .extraFlags -}}
{{- $parsed := include "zookeeper.parseFlag" . | fromJson -}}
{{- if eq $parsed.flag "admin_port" -}}
{{- println (printf "extraFlags %s: backup.enabled opens the AdminServer on backup.adminPort (%v); set that instead" . $.backup.adminPort) -}}
{{- end -}}
{{- end -}}
{{- /* zookeeper-backup in a member reads ZK_ADMIN_PORT too, where --admin_port overrides it. */ -}}
{{- range .extraEnvVars -}}
{{- if eq .name "ZK_ADMIN_PORT" -}}
{{- $value := "(valueFrom)" -}}
{{- if not .valueFrom -}}
{{- $value = toString (.value | default "") | quote -}}
{{- end -}}
{{- println (printf "extraEnvVars ZK_ADMIN_PORT %s: backup.enabled opens the AdminServer on backup.adminPort (%v); set that instead" $value $.backup.adminPort) -}}
{{- end -}}
{{- end -}}
{{- if and (not .backup.persistence.existingClaim) (not .backup.persistence.size) -}}
{{- println "backup.persistence.size: empty, and the chart makes the backups' claim with it (or name one of yours in backup.persistence.existingClaim)" -}}
{{- end -}}
{{- end -}}
{{- with .restore.from -}}
{{- $file := .file | default "" -}}
{{- if and .existingClaim (not $file) -}}
{{- println (printf "restore.from.file: empty, and restore.from.existingClaim %s needs the backup's path within it" .existingClaim) -}}
{{- else if and $file (not .existingClaim) -}}
{{- println (printf "restore.from.file %s: needs restore.from.existingClaim, the claim that holds it" $file) -}}
{{- else if $file -}}
{{- $steps := splitList "/" $file -}}
{{- if has ".." $steps -}}
{{- println (printf "restore.from.file %s: a path within the claim, without .." $file) -}}
{{- else if has (last $steps) (list "" ".") -}}
{{- println (printf "restore.from.file %s: names a directory; give the backup file's path within the claim" $file) -}}
{{- end -}}
{{- if $.storage.existingClaim -}}
{{- println (printf "restore.from: storage.existingClaim %s is a volume made beforehand; a restore seeds the new, empty volumes of a new release" $.storage.existingClaim) -}}
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
{{- println (printf "storage.existingClaim %q: one claim for %d pods, and two members must never share a data directory; it is for a standalone server (replicas 1, no observers); for a claim per member leave it empty, and to grow a server already running on it, first copy the claim into datadir-<name>-0 (docs/helm-chart.md, Upgrade, growing a standalone server on storage.existingClaim)" $claim $pods) -}}
{{- end -}}
{{- if .reconfig -}}
{{- println (printf "storage.existingClaim %q with reconfig: kubectl scale would add members mounting the same claim; for a claim per member leave it empty, and for a server already running on it, first copy the claim into datadir-<name>-0 (docs/helm-chart.md, Upgrade, growing a standalone server on storage.existingClaim)" $claim) -}}
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
{{- if and $nodePorts.client (ne (include "zookeeper.plaintextClients" .) "clients") -}}
{{- if .reconfig -}}
{{- println (printf "service.nodePorts.client %v: with tls.enabled and reconfig the client Service offers no plaintext port, ports.client being the members' alone (set service.nodePorts.clientTls; tls.plaintextClients offers ports.client while clients move to TLS)" (int $nodePorts.client)) -}}
{{- else -}}
{{- println (printf "service.nodePorts.client %v: with tls.enabled the client Service offers no plaintext port (set service.nodePorts.clientTls)" (int $nodePorts.client)) -}}
{{- end -}}
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
NetworkPolicy settings that go unused with the policy off, refused rather
than dropped: a cluster that denies egress by default needs the rules.
Takes the settings.
*/}}
{{- define "zookeeper.checkNetworkPolicy" -}}
{{- if and .networkPolicy.egress.enabled (not .networkPolicy.enabled) -}}
{{- println "networkPolicy.egress.enabled: egress rules are part of the NetworkPolicy, which is off (set networkPolicy.enabled too, or leave egress off)" -}}
{{- end -}}
{{- if and .networkPolicy.egress.extra (not (and .networkPolicy.enabled .networkPolicy.egress.enabled)) -}}
{{- println "networkPolicy.egress.extra: these rules go into the members' egress, which is off (set networkPolicy.enabled and networkPolicy.egress.enabled too, or leave extra out)" -}}
{{- end -}}
{{- end -}}

{{/*
The zookeeper container's mounts the chart makes with these settings, as
YAML: path -> what is there. start-zookeeper writes only under them (its
--conf_dir, --data_dir, --data_log_dir), and the image has no /etc/zookeeper:
a path is the chart's only while these settings mount it. Takes the settings.
*/}}
{{- define "zookeeper.chartMounts" -}}
/var/lib/zookeeper: the member's data volume, where ZooKeeper keeps its snapshots and myid
{{- if .storage.dataLog.enabled }}
/var/lib/zookeeper-datalog: the transaction log's volume, with storage.dataLog.enabled
{{- end }}
/opt/zookeeper/conf: an emptyDir where start-zookeeper writes zoo.cfg and the logging configuration at every start
{{- if .tls.enabled }}
/etc/zookeeper/tls: the TLS Secret, with tls.enabled
{{- end }}
{{- if .reconfig }}
/etc/zookeeper/reconfig: the superuser password's Secret, with reconfig
{{- end }}
{{- if .auth.client.enabled }}
/etc/zookeeper/users: the clients' users' Secret, with auth.client.enabled
{{- end }}
{{- if .auth.quorum.enabled }}
/etc/zookeeper/quorum: the members' password's Secret, with auth.quorum.enabled
{{- end }}
{{- if .restore.from.existingClaim }}
/var/lib/zookeeper-restore: the claim holding the backup, with restore.from
{{- end }}
{{- end -}}

{{/*
Whether PATH is DIR or under it, both cleaned as the kubelet reads a mount
path (/opt/zookeeper/./conf/ is /opt/zookeeper/conf). Takes (list PATH DIR).
*/}}
{{- define "zookeeper.within" -}}
{{- $path := clean (index . 0) -}}
{{- $dir := clean (index . 1) -}}
{{- if or (eq $path $dir) (hasPrefix (printf "%s/" (trimSuffix "/" $dir)) $path) -}}true{{- end -}}
{{- end -}}

{{/*
What the values add to the pod may not take the chart's own names or
paths: Kubernetes refuses a pod with two volumes or containers of one name,
or two mounts at one path, and a mount naming no volume (or one of the
chart's that these values do not render). A mount at, under or above one
the chart makes (zookeeper.chartMounts) would hide its files or be hidden;
paths are compared cleaned (zookeeper.within). Nor may a host alias take
the Services' names.
*/}}
{{- define "zookeeper.checkPod" -}}
{{- include "zookeeper.settings" . -}}
{{- $s := .zookeeperSettings -}}
{{- $volumes := list "datadir" "conf" "tls" "reconfig" "datalog" "users" "quorum" -}}
{{- /* The chart's volumes a pod leaves out, with the value that would render them. */ -}}
{{- $off := dict -}}
{{- if not $s.tls.enabled -}}{{- $_ := set $off "tls" "tls.enabled" -}}{{- end -}}
{{- if not $s.reconfig -}}{{- $_ := set $off "reconfig" "reconfig" -}}{{- end -}}
{{- if not $s.auth.client.enabled -}}{{- $_ := set $off "users" "auth.client.enabled" -}}{{- end -}}
{{- if not $s.auth.quorum.enabled -}}{{- $_ := set $off "quorum" "auth.quorum.enabled" -}}{{- end -}}
{{- if not $s.storage.dataLog.enabled -}}{{- $_ := set $off "datalog" "storage.dataLog.enabled" -}}{{- end -}}
{{- $all := $volumes -}}
{{- $extra := list -}}
{{- range $s.extraVolumes -}}
{{- if has .name $volumes -}}
{{- println (printf "extraVolumes %s: the chart names a volume of its own so (%s); choose another name" .name (join ", " $volumes)) -}}
{{- else if has .name $extra -}}
{{- println (printf "extraVolumes %s: two volumes of that name; Kubernetes refuses the pod" .name) -}}
{{- end -}}
{{- $extra = append $extra .name -}}
{{- $all = append $all .name -}}
{{- end -}}
{{- $chartMounts := include "zookeeper.chartMounts" $s | fromYaml -}}
{{- /*
What the zookeeper container runs from in the image (docker/Dockerfile): the
Java runtime (JAVA_HOME), ZooKeeper's jars where zookeeper.jar's manifest
finds the rest, zkcontainer and its commands, python3, bash, and the shared
libraries and dynamic loader they all load (/bin, /lib and /lib64 are links
into /usr, which the runtime follows). A mount at or above one hides them.
Under one is left alone: a new directory there hides nothing; a mount over
one of the image's own files (a jar, a command) is not checked, as the chart
does not know the image's file list.
*/ -}}
{{- $imagePaths := list "/opt/java" "/opt/zkcontainer" "/usr/bin" "/usr/lib" "/usr/lib64" "/usr/local/bin" "/usr/share/java" "/bin" "/lib" "/lib64" -}}
{{- $mounted := dict -}}
{{- range $s.extraVolumeMounts -}}
{{- $mount := . -}}
{{- if hasKey $off .name -}}
{{- println (printf "extraVolumeMounts %s: the chart renders no such volume with %s off (set it, or mount another volume)" .name (get $off .name)) -}}
{{- else if not (has .name $all) -}}
{{- println (printf "extraVolumeMounts %s: no volume of that name (add it to extraVolumes)" .name) -}}
{{- end -}}
{{- $refused := false -}}
{{- range $chartPath := keys $chartMounts | sortAlpha -}}
{{- if or (include "zookeeper.within" (list $mount.mountPath $chartPath)) (include "zookeeper.within" (list $chartPath $mount.mountPath)) -}}
{{- println (printf "extraVolumeMounts %s: %s is at, under or above the chart's own mount %s (%s): one would hide the other's files; mount elsewhere" $mount.name $mount.mountPath $chartPath (get $chartMounts $chartPath)) -}}
{{- $refused = true -}}
{{- break -}}
{{- end -}}
{{- end -}}
{{- range $imagePaths -}}
{{- if and (not $refused) (include "zookeeper.within" (list . $mount.mountPath)) -}}
{{- println (printf "extraVolumeMounts %s: %s hides the image's %s, which the zookeeper container runs from (ZooKeeper's jars, the Java runtime, zkcontainer, and Python and the libraries they load); mount elsewhere" $mount.name $mount.mountPath .) -}}
{{- $refused = true -}}
{{- end -}}
{{- end -}}
{{- $path := clean .mountPath -}}
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
{{- range $s.hostAliases -}}
{{- $ip := .ip -}}
{{- range .hostnames -}}
{{- if regexMatch $services . -}}
{{- println (printf "hostAliases %s: %s is a name of the release's Services (%s-hs, %s-cs), which members, probes and helm test resolve; an alias would point them elsewhere" $ip . $name $name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $containers := list "zookeeper" "metrics" -}}
{{- /* A name may be given once in a pod, init containers and containers alike. */ -}}
{{- $named := dict -}}
{{- range $key := list "initContainers" "sidecars" -}}
{{- range $i, $container := get $s $key -}}
{{- $at := printf "%s[%d]" $key $i -}}
{{- if has $container.name $containers -}}
{{- println (printf "%s %s: the chart's containers are zookeeper and metrics; choose another name" $key $container.name) -}}
{{- else if hasKey $named (toString $container.name) -}}
{{- println (printf "%s %s: same container name as %s: Kubernetes refuses a pod whose containers (init containers included) share a name" $at $container.name (get $named (toString $container.name))) -}}
{{- end -}}
{{- $_ := set $named (toString $container.name) $at -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
A required podAffinity term that selects the members themselves on the
topology antiAffinity hard keeps them apart on: the second member needs a
node with a member on it and may take none, so every member after the first
stays Pending. Its labelSelector is read against the members' labels
(matchLabels, and matchExpressions with each operator the schema takes: In,
NotIn, Exists, DoesNotExist). Not evaluated, and so let through: a
namespaceSelector with labels, which only the cluster can match to the
release's namespace (the schema takes no matchLabelKeys). Preferred terms
only weigh nodes. Takes the root context.
*/}}
{{- define "zookeeper.checkAffinity" -}}
{{- include "zookeeper.settings" . -}}
{{- $s := .zookeeperSettings -}}
{{- if eq $s.antiAffinity "hard" -}}
{{- $labels := include "zookeeper.podLabels" . | fromYaml -}}
{{- $topology := (include "zookeeper.antiAffinityTerm" . | fromJson).topologyKey -}}
{{- $namespace := .Release.Namespace -}}
{{- $antiKey := include "zookeeper.keyOf" (list . "antiAffinity") -}}
{{- range $i, $term := dig "podAffinity" "requiredDuringSchedulingIgnoredDuringExecution" list ($s.affinity | default dict) -}}
{{- $selector := $term.labelSelector -}}
{{- /* null namespaces and namespaceSelector: the pod's own namespace; {}: every namespace. */ -}}
{{- $namespaces := $term.namespaces | default list -}}
{{- $inNamespace := or (has $namespace $namespaces) (and (kindIs "map" $term.namespaceSelector) (not $term.namespaceSelector)) (and (not $namespaces) (kindIs "invalid" $term.namespaceSelector)) -}}
{{- /* A null labelSelector selects no pod; {} every pod. */ -}}
{{- $selects := and (eq $term.topologyKey $topology) (kindIs "map" $selector) $inNamespace -}}
{{- if $selects -}}
{{- range $key, $value := $selector.matchLabels -}}
{{- if not (and (hasKey $labels $key) (eq (toString (get $labels $key)) (toString $value))) -}}
{{- $selects = false -}}
{{- end -}}
{{- end -}}
{{- range $selector.matchExpressions -}}
{{- $has := hasKey $labels .key -}}
{{- $in := and $has (has (toString (get $labels .key)) (.values | default list)) -}}
{{- $met := dict "In" $in "NotIn" (not $in) "Exists" $has "DoesNotExist" (not $has) -}}
{{- if not (get $met .operator) -}}
{{- $selects = false -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if $selects -}}
{{- println (printf "affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[%d]: it selects the members themselves on %s, where %s hard keeps no two of them: every member after the first could never be scheduled; make it preferred, select other pods, or use another topologyKey" $i $topology $antiKey) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "zookeeper.serviceAccountName" -}}
{{- include "zookeeper.settings" . -}}
{{- $account := .zookeeperSettings.serviceAccount -}}
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
The original keys the values set, each with its paths (zookeeper.originalKeys),
as YAML. A key counts as set only with a value: null (a key not among the
chart's defaults, which Helm keeps) is no value, and the original left out
what was empty (StorageClass "" meant the cluster's default class). Every
reader of the original keys (the settings, the key a message names, NOTES)
asks here.
*/}}
{{- define "zookeeper.givenOriginalKeys" -}}
{{- $given := dict -}}
{{- range $key, $paths := include "zookeeper.originalKeys" . | fromYaml -}}
{{- $value := get $.Values $key -}}
{{- if not (or (kindIs "invalid" $value) (and (kindIs "string" $value) (eq $value ""))) -}}
{{- $_ := set $given $key $paths -}}
{{- end -}}
{{- end -}}
{{- toYaml $given -}}
{{- end -}}

{{/*
The values this release runs with: .Values with the chart's defaults where a
key is missing (zookeeper.values), and every original key that is set written
over its counterpart. Templates read anything an original key can set from
here, so an original values file means what it meant.
A define returns only text, and text would be JSON, which turns every number
into a float: so this one returns nothing and leaves the settings, a map, in
the root context, made once per template. Read them as
  {{- include "zookeeper.settings" . -}}
  {{- $s := .zookeeperSettings -}}
and never change them: every reader shares the one map.
*/}}
{{- define "zookeeper.settings" -}}
{{- if not (hasKey . "zookeeperSettings") -}}
{{- include "zookeeper.values" . -}}
{{- $settings := deepCopy .zookeeperValues -}}
{{- range $key, $paths := include "zookeeper.givenOriginalKeys" . | fromYaml -}}
{{- $value := get $.Values $key -}}
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
{{- $_ := set . "zookeeperSettings" $settings -}}
{{- end -}}
{{- end -}}

{{/*
.Values with each key missing from it given the chart's default, from
files/values.yaml, left in the root context as .zookeeperValues, as
zookeeper.settings leaves its map. Helm deletes a key set to null from the values,
so a null and a missing key look the same here, and both take the default:
`replicas:` left blank renders 3 members, `tls: null` the chart's tls.
That is also what lets `helm upgrade --reuse-values` from an older chart
version render: Helm then renders with the older chart's values.yaml in
place of this one's (pkg/action/upgrade.go, reuseValues), so that every key
this version added is missing, and takes its default from files/values.yaml,
which is this version's. The older version's other defaults stay, as with
any --reuse-values.
*/}}
{{- define "zookeeper.values" -}}
{{- if not (hasKey . "zookeeperValues") -}}
{{- $values := deepCopy .Values -}}
{{- $defaults := .Files.Get "files/values.yaml" | fromYaml -}}
{{- if or (not $defaults) (hasKey $defaults "Error") -}}
{{- fail "the chart's files/values.yaml, a copy of values.yaml (make manifests writes it), is missing or unreadable: the chart reads its defaults there" -}}
{{- end -}}
{{- include "zookeeper.fillDefaults" (list $values $defaults list) -}}
{{- $_ := set . "zookeeperValues" $values -}}
{{- end -}}
{{- end -}}

{{/*
Gives VALUES, a map changed in place, each key of DEFAULTS it lacks, at
every depth. Takes (list VALUES DEFAULTS PATH). Where the docs give a
null a meaning, a missing key reads as that null and stays missing:
podSecurityContext and securityContext, whole (a key set to null drops its
field, as OpenShift needs; either missing whole is refused by
zookeeper.checkPodSpec), and the keys under resources and metrics.resources
(a request or a limit may go). So a key a later chart version adds under
these four is left out after --reuse-values from an older version, which
renders them as its own values had them.
*/}}
{{- define "zookeeper.fillDefaults" -}}
{{- $values := index . 0 -}}
{{- $path := index . 2 -}}
{{- range $key, $default := index . 1 -}}
{{- $at := join "." (append $path $key) -}}
{{- if or (kindIs "invalid" $default) (has $at (list "podSecurityContext" "securityContext")) -}}
{{- /* Nothing to give: null is the default (storage.className), or null drops the field. */ -}}
{{- else if not (hasKey $values $key) -}}
{{- $_ := set $values $key $default -}}
{{- else if and (kindIs "map" $default) (kindIs "map" (get $values $key)) (not (has $at (list "resources" "metrics.resources"))) -}}
{{- include "zookeeper.fillDefaults" (list (get $values $key) $default (append $path $key)) -}}
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
the rule manifests/ and docs/configuration.md keep. Takes (dict "root" $ "s" SETTINGS),
as zookeeper.checkSettings.
*/}}
{{- define "zookeeper.checkHeap" -}}
{{- $s := .s -}}
{{- $heapKey := include "zookeeper.keyOf" (list .root "heap") -}}
{{- $limit := (($s.resources).limits).memory -}}
{{- $request := (($s.resources).requests).memory -}}
{{- if eq $s.heap "auto" -}}
{{- /* start-zookeeper sizes it from the limit (2/3, at least 256Mi beside it) and exits 2 without one: refuse that here, before a pod crash-loops. */ -}}
{{- if not $limit -}}
{{- println (printf "%s auto: sized from the container's memory limit, so resources.limits.memory must be set (or give a heap like 3G)" $heapKey) -}}
{{- else if lt (include "zookeeper.quantityBytes" $limit | float64) 0x1.8p28 -}}
{{- println (printf "%s auto: the memory limit %v is below 384Mi, the least that holds a 128M heap and the JVM beside it" $heapKey $limit) -}}
{{- end -}}
{{- else if $limit -}}
{{- $needed := mulf 1.5 (include "zookeeper.heapBytes" $s.heap | float64) -}}
{{- if lt (include "zookeeper.quantityBytes" $limit | float64) $needed -}}
{{- println (printf "%s %s needs a memory limit of at least 1.5 x heap, %.2fGi; the limit is %v (%s)" $heapKey $s.heap (divf $needed 0x1p30) $limit (include "zookeeper.keyOf" (list .root "resources.limits.memory"))) -}}
{{- end -}}
{{- else if $request -}}
{{- /* No limit: the request is what the scheduler finds room for; a heap beyond it takes the node's memory from its other pods, or has this one evicted first under pressure. */ -}}
{{- $needed := mulf 1.5 (include "zookeeper.heapBytes" $s.heap | float64) -}}
{{- if lt (include "zookeeper.quantityBytes" $request | float64) $needed -}}
{{- println (printf "%s %s needs a memory request of at least 1.5 x heap, %.2fGi; the request is %v and there is no limit (resources.requests.memory; better, set resources.limits.memory to the same)" $heapKey $s.heap (divf $needed 0x1p30) $request) -}}
{{- end -}}
{{- else -}}
{{- /* Neither: the scheduler reserves nothing for the heap, and the pod is the first evicted (BestEffort) when the node runs short. */ -}}
{{- println (printf "%s %s with no memory request or limit: the scheduler reserves nothing for it, and the pod is the first evicted when the node runs short; set resources.limits.memory and resources.requests.memory to at least 1.5 x heap, %.2fGi" $heapKey $s.heap (divf (mulf 1.5 (include "zookeeper.heapBytes" $s.heap | float64)) 0x1p30)) -}}
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
restore_from: restore.from
client_sasl_users: auth.client.enabled
client_auth_required: auth.client.enabled
quorum_sasl: auth.quorum.stage
quorum_sasl_user: auth.quorum.learnerUser
quorum_sasl_password_file: auth.quorum.enabled
{{- end -}}

{{/*
The start-zookeeper flags (zkcontainer/settings/declarations.py) extraFlags may
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
# JVM options, without the heap sizing that heap and the memory check own,
# or the sizing beside the heap that the memory check takes as the JVM's.
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
{{- $settings := . -}}
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
{{- $number := include "zookeeper.flagNumber" $value -}}
{{- if or (not $number) (lt (atoi $number) (int $rule.min)) (gt (atoi $number) (int $rule.max)) -}}
{{- println (printf "%s: --%s must be a number from %d to %d" $label $flag (int $rule.min) (int $rule.max)) -}}
{{- end -}}
{{- else if eq $rule.kind "path" -}}
{{- /* A file start-zookeeper reads: it exists only on a volume the container mounts, the root filesystem being the image's. */ -}}
{{- $mounts := keys (include "zookeeper.chartMounts" $settings | fromYaml) -}}
{{- range $settings.extraVolumeMounts -}}
{{- $mounts = append $mounts .mountPath -}}
{{- end -}}
{{- $reachable := false -}}
{{- range $mounts -}}
{{- if include "zookeeper.within" (list $value .) -}}
{{- $reachable = true -}}
{{- end -}}
{{- end -}}
{{- if not (hasPrefix "/" $value) -}}
{{- println (printf "%s: --%s must be an absolute path" $label $flag) -}}
{{- else if not $reachable -}}
{{- println (printf "%s: --%s %s is on no volume the zookeeper container mounts, so start-zookeeper would find no file there; mount the volume holding it with extraVolumes and extraVolumeMounts, as the chart's README, Values, shows" $label $flag $value) -}}
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
{{- if regexMatch "^-D(zookeeper\\.DigestAuthenticationProvider\\.(superDigest|digestAlg|enabled)|zookeeper\\.skipACL|zookeeper\\.log\\.dir|log4j\\.configuration|logback\\.configurationFile|zookeeper\\.snapshot\\.trust\\.empty|zookeeper\\.forceSync)(=|$)" . -}}
{{- /* --jvm_flags come last on the JVM's command line, so these would win over start-zookeeper's own; in the values they hold for every member, for as long as they stay. */ -}}
{{- println (printf "%s: %s overrides what start-zookeeper sets itself or decides from each member's data (reconfig's superuser, its SHA-1 digest and the digest scheme it logs in with, the ACLs, logging, whether logs without a snapshot are trusted, fsync of every write), for every member as long as it stays in the values; remove it" $label (regexFind "^-D[^=]*" .)) -}}
{{- else if regexMatch "^-XX:-ExitOnOutOfMemoryError$" . -}}
{{- println (printf "%s: -XX:-ExitOnOutOfMemoryError keeps a JVM that ran out of heap running, unreliable; start-zookeeper has it exit so that the kubelet restarts it; remove it" $label) -}}
{{- else if or (hasPrefix "@" .) (regexMatch "(?i)^-XX:(Flags|VMOptionsFile)=" .) -}}
{{- println (printf "%s: %s reads JVM options from a file: the chart cannot see into it to check the heap; give the options in --jvm_flags" $label .) -}}
{{- else if regexMatch "(?i)^-(Xmx|Xms|XX:[+-]?(MaxHeapSize|InitialHeapSize|MinHeapSize|MaxRAM|[A-Za-z]*RAMPercentage|[A-Za-z]*RAMFraction))" . -}}
{{- println (printf "%s: %s sizes the heap, which heap sets (and the memory check compares with resources); set heap instead" $label .) -}}
{{- else if regexMatch "^-(Xss|XX:(ThreadStackSize|MaxDirectMemorySize|ReservedCodeCacheSize|MaxMetaspaceSize|MetaspaceSize|CompressedClassSpaceSize)=)" . -}}
{{- /* Matched as the JVM matches them, case and all. heap auto sets -XX:MaxDirectMemorySize itself (zkcontainer/memory.py). */ -}}
{{- println (printf "%s: %s sizes memory outside the heap (thread stacks, direct buffers, code cache or class metadata), which the memory check (heap against resources) assumes at the JVM's defaults; remove it" $label .) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
What start-zookeeper would refuse (zkcontainer/settings/), refused at
install instead of in every pod's crash loop. Takes (dict "root" $ "s"
SETTINGS): a message names the key the user set (zookeeper.keyOf),
and advice depends on what runs (zookeeper.resizeAdvice).
*/}}
{{- define "zookeeper.checkSettings" -}}
{{- $root := .root -}}
{{- $s := .s -}}
{{- $zk := $s.zookeeper -}}
{{- /* (list KEY PORT WHO PROTOCOL): who listens there, for the reason a clash gives. */ -}}
{{- $ports := list -}}
{{- range list "client" "server" "election" -}}
{{- $ports = append $ports (list (include "zookeeper.keyOf" (list $root (printf "ports.%s" .))) (get $s.ports .) "ZooKeeper" "TCP") -}}
{{- end -}}
{{- if $s.tls.enabled -}}
{{- $ports = append $ports (list "ports.clientTls" $s.ports.clientTls "ZooKeeper" "TCP") -}}
{{- end -}}
{{- /* The exporter shares the pod's network namespace. */ -}}
{{- if $s.metrics.enabled -}}
{{- $ports = append $ports (list "metrics.port" $s.metrics.port "the exporter" "TCP") -}}
{{- end -}}
{{- /* The port extraFlags can open: the AdminServer's. */ -}}
{{- $extra := dict -}}
{{- range $s.extraFlags -}}
{{- $parsed := include "zookeeper.parseFlag" . | fromJson -}}
{{- $_ := set $extra $parsed.flag $parsed.value -}}
{{- end -}}
{{- $admin := get $extra "admin_port" | default "0" -}}
{{- $adminLabel := "extraFlags --admin_port" -}}
{{- /* The command line wins over ZK_ADMIN_PORT, as start-zookeeper reads them:
backup.enabled's --admin_port among it (zookeeper.checkBackup refuses the variable then). */ -}}
{{- if not (or (hasKey $extra "admin_port") $s.backup.enabled) -}}
{{- range $s.extraEnvVars -}}
{{- if and (eq .name "ZK_ADMIN_PORT") (not .valueFrom) -}}
{{- $admin = toString (.value | default "0") -}}
{{- $adminLabel = "extraEnvVars ZK_ADMIN_PORT" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $adminPort := include "zookeeper.flagNumber" $admin -}}
{{- if and $adminPort (ne (atoi $adminPort) 0) -}}
{{- /* As the schema's listenPort says of the ports the chart sets. */ -}}
{{- if lt (atoi $adminPort) 1024 -}}
{{- println (printf "%s %s: below 1024: ZooKeeper runs as a user other than root with every capability dropped, and cannot bind it where the runtime keeps net.ipv4.ip_unprivileged_port_start at 1024; choose a port from 1024" $adminLabel $adminPort) -}}
{{- end -}}
{{- $ports = append $ports (list $adminLabel (atoi $adminPort) "ZooKeeper" "TCP") -}}
{{- end -}}
{{- if and $s.backup.enabled (not (and $adminPort (ne (atoi $adminPort) 0))) -}}
{{- $ports = append $ports (list "backup.adminPort" $s.backup.adminPort "ZooKeeper's AdminServer" "TCP") -}}
{{- end -}}
{{- /* Sidecars share the pod's network namespace too: a port is taken for its protocol
alone (TCP where none is given), and ZooKeeper, the exporter and the AdminServer take TCP. */ -}}
{{- range $s.sidecars -}}
{{- $sidecar := .name -}}
{{- range .ports -}}
{{- $ports = append $ports (list (printf "sidecars %s containerPort" $sidecar) .containerPort "a sidecar" (.protocol | default "TCP")) -}}
{{- end -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $entry := $ports -}}
{{- $port := toString (int (index $entry 1)) -}}
{{- if ne (index $entry 3) "TCP" -}}
{{- $port = printf "%s/%s" $port (index $entry 3) -}}
{{- end -}}
{{- with get $seen $port -}}
{{- /* The reason names what took the port second, unless that is ZooKeeper. */ -}}
{{- $second := index $entry 2 -}}
{{- $first := index . 2 -}}
{{- $why := "start-zookeeper refuses it" -}}
{{- if ne $second "ZooKeeper" -}}
{{- $why = printf "%s shares the pod's ports with %s" $second (ternary "another sidecar" $first (eq $first "a sidecar")) -}}
{{- else if ne $first "ZooKeeper" -}}
{{- $why = printf "%s shares the pod's ports with ZooKeeper" $first -}}
{{- end -}}
{{- println (printf "%s %s: same port as %s (%s)" (index $entry 0) $port (index . 0) $why) -}}
{{- else -}}
{{- $_ := set $seen $port $entry -}}
{{- end -}}
{{- end -}}
{{- $javaIntMax := 2147483647.0 -}}
{{- range list "initLimit" "syncLimit" -}}
{{- if gt (mulf (float64 $zk.tickTime) (float64 (get $zk .))) $javaIntMax -}}
{{- println (printf "%s %d times %s %d exceeds 2147483647: ZooKeeper computes it as a Java int" (include "zookeeper.keyOf" (list $root "zookeeper.tickTime")) (int $zk.tickTime) (include "zookeeper.keyOf" (list $root (printf "zookeeper.%s" .))) (int (get $zk .))) -}}
{{- end -}}
{{- end -}}
{{- if gt (float64 $zk.minSessionTimeout) (float64 $zk.maxSessionTimeout) -}}
{{- println (printf "%s %d: above the maximum session timeout %d (%s)" (include "zookeeper.keyOf" (list $root "zookeeper.minSessionTimeout")) (int $zk.minSessionTimeout) (int $zk.maxSessionTimeout) (include "zookeeper.keyOf" (list $root "zookeeper.maxSessionTimeout"))) -}}
{{- end -}}
{{- $heapKey := include "zookeeper.keyOf" (list $root "heap") -}}
{{- if ne $s.heap "auto" -}}
{{- $heap := include "zookeeper.heapBytes" $s.heap | float64 -}}
{{- if lt $heap 0x1p25 -}}
{{- println (printf "%s %s: must be at least 32M: the JVM cannot start ZooKeeper in less" $heapKey $s.heap) -}}
{{- end -}}
{{- if gt $heap 0x1p42 -}}
{{- println (printf "%s %s: must be at most 4T" $heapKey $s.heap) -}}
{{- end -}}
{{- end -}}
{{- $replicasKey := include "zookeeper.keyOf" (list $root "replicas") -}}
{{- if and $s.observers (eq (int $s.replicas) 1) -}}
{{- println (printf "observers %d: observers need an ensemble of voting members, but %s 1 is a standalone server (set observers to 0, or %s)" (int $s.observers) $replicasKey (include "zookeeper.resizeAdvice" (list $root 3 (include "zookeeper.liveMembers" $root | fromJson)))) -}}
{{- end -}}
{{- if gt (add (int $s.replicas) (int $s.observers)) 255 -}}
{{- println (printf "observers %d: with %s %d makes %d members, but server ids stop at 255" (int $s.observers) $replicasKey (int $s.replicas) (add (int $s.replicas) (int $s.observers))) -}}
{{- end -}}
{{- end -}}

{{/*
Pods a disruption setting lets go at once: a count, or a percentage of the
pods scaled as Kubernetes scales it. Takes (list VALUE PODS ROUNDING):
"up" for a PodDisruptionBudget (the disruption controller rounds up); "down"
for a StatefulSet's rolling update, whose controller rounds down and then
replaces at least one pod (getStatefulSetMaxUnavailable), so 49% of 3 is 1.
*/}}
{{- define "zookeeper.unavailable" -}}
{{- $value := index . 0 -}}
{{- $pods := index . 1 -}}
{{- $down := eq (index . 2) "down" -}}
{{- $count := 0 -}}
{{- if kindIs "string" $value -}}
{{- $scaled := divf (mulf (float64 (trimSuffix "%" $value)) $pods) 100 -}}
{{- $count = ternary (floor $scaled) (ceil $scaled) $down | int -}}
{{- else -}}
{{- $count = int $value -}}
{{- end -}}
{{- ternary (max $count 1) $count $down -}}
{{- end -}}

{{/*
A drain or a rolling update must never take a quorum away: with n voting
members, at most (n-1)/2 may be down at once, and a rolling update replaces
one at a time. The budget selects every pod, observers too, and a drain may
pick any of them: observers never raise what it may take, and a percentage
counts them. With reconfig the members are those kubectl scale left
running (zookeeper.memberCounts): replicas only named the initial ensemble.
Takes (dict "root" $ "s" SETTINGS), as zookeeper.checkSettings.
*/}}
{{- define "zookeeper.checkDisruption" -}}
{{- $root := .root -}}
{{- $s := .s -}}
{{- $budgetKey := include "zookeeper.keyOf" (list $root "podDisruptionBudget.maxUnavailable") -}}
{{- $members := include "zookeeper.memberCounts" $root | fromJson -}}
{{- $replicas := int $members.voters -}}
{{- $pods := add $replicas (int $members.observers) -}}
{{- $tolerated := div (sub $replicas 1) 2 -}}
{{- $pdb := $s.podDisruptionBudget -}}
{{- $of := printf "%d members" $replicas -}}
{{- if $members.observers -}}
{{- $of = printf "%d pods, any of them among the %d voting members" $pods $replicas -}}
{{- end -}}
{{- if and $s.reconfig $pdb.enabled (not (has (toString $pdb.maxUnavailable) (list "0" "1"))) -}}
{{- /* kubectl scale, not replicas, sizes a dynamic ensemble: only 0 or 1 is safe at every size of 3 or more (a percentage of 5 pods is 2 of 3 after a scale-down). */ -}}
{{- println (printf "%s %v with reconfig: the ensemble's size changes with kubectl scale, and only 0 or 1 keeps a quorum at every size of 3 or more (2 voters keep one only with both up: scale no lower than 3)" $budgetKey $pdb.maxUnavailable) -}}
{{- end -}}
{{- if and $pdb.enabled (gt $replicas 1) -}}
{{- $down := include "zookeeper.unavailable" (list $pdb.maxUnavailable $pods "up") | int -}}
{{- if gt $down $tolerated -}}
{{- if eq $tolerated 0 -}}
{{- println (printf "%s %v lets a drain take %d of %s, and %d members keep a quorum only with all up: set %s to 0 (drains wait for you), or %s" $budgetKey $pdb.maxUnavailable $down $of $replicas $budgetKey (include "zookeeper.resizeAdvice" (list $root 3 (include "zookeeper.liveMembers" $root | fromJson)))) -}}
{{- else -}}
{{- println (printf "%s %v lets a drain take %d of %s: a quorum survives at most %d down" $budgetKey $pdb.maxUnavailable $down $of $tolerated) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $rolling := ($s.updateStrategy.rollingUpdate | default dict).maxUnavailable -}}
{{- if and (eq $s.updateStrategy.type "RollingUpdate") (not (kindIs "invalid" $rolling)) -}}
{{- /* With reconfig kubectl scale changes the size a percentage is of: only 1 is one member at every size. */ -}}
{{- if or (gt (include "zookeeper.unavailable" (list $rolling $pods "down") | int) 1) (and $s.reconfig (ne (toString $rolling) "1")) -}}
{{- println (printf "updateStrategy.rollingUpdate.maxUnavailable %v: a rolling update replaces one member at a time, or the ensemble can lose its quorum (leave it out, or 1)" $rolling) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
What the API server refuses in a container's resources and the schema cannot
see, as it compares two values: a request above its limit, and huge pages
not requested exactly as limited. Takes (list PATH RESOURCES $): the values'
path, the resources, and the root, to name the key the user set (Cpu,
Memory: zookeeper.keyOf).
*/}}
{{- define "zookeeper.checkResources" -}}
{{- $path := index . 0 -}}
{{- $root := index . 2 -}}
{{- $requests := (index . 1 | default dict).requests | default dict -}}
{{- $limits := (index . 1 | default dict).limits | default dict -}}
{{- range $name, $request := $requests -}}
{{- $limit := index $limits $name -}}
{{- $requestKey := include "zookeeper.keyOf" (list $root (printf "%s.requests.%s" $path $name)) -}}
{{- $limitKey := include "zookeeper.keyOf" (list $root (printf "%s.limits.%s" $path $name)) -}}
{{- if hasPrefix "hugepages-" $name -}}
{{- /* Huge pages cannot be overcommitted: Kubernetes wants the limit, equal to the request. */ -}}
{{- if kindIs "invalid" $limit -}}
{{- println (printf "%s %v needs %s, the same: Kubernetes refuses huge pages requested without an equal limit" $requestKey $request $limitKey) -}}
{{- else if ne (include "zookeeper.quantityBytes" $request | float64) (include "zookeeper.quantityBytes" $limit | float64) -}}
{{- println (printf "%s %v differs from %s %v: Kubernetes refuses huge pages requested other than as limited" $requestKey $request $limitKey $limit) -}}
{{- end -}}
{{- else if and (not (kindIs "invalid" $limit)) (gt (include "zookeeper.quantityBytes" $request | float64) (include "zookeeper.quantityBytes" $limit | float64)) -}}
{{- println (printf "%s %v exceeds %s %v: Kubernetes refuses the pod (set them equal, so the scheduler reserves what the limit promises)" $requestKey $request $limitKey $limit) -}}
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
