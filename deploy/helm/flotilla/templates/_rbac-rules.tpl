{{/*
The rights of each role. docs/install.md has the same table with the reason for
each rule; tests/install checks the apiserver's view of them against it.
"namespaced": in the Applications namespace. "managed": on the cluster Flotilla runs
in, as a destination (rbac.manageInCluster). "anyNamespace": on Applications of every
namespace, granted only when applicationNamespaces is set (a glob cannot narrow RBAC;
the roles themselves ignore apps of namespaces the setting does not list).
"anySetNamespace": likewise for ApplicationSets, granted only when
applicationSetNamespaces is set.
*/}}
{{- define "flotilla.rbacRules" -}}
git-poller:
  namespaced:
    - { apiGroups: [flotilla.dev], resources: [appprojects], verbs: [get, list, watch] }
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, patch] }
    - { apiGroups: [""], resources: [configmaps], verbs: [list, watch] }
    - { apiGroups: [""], resources: [secrets], verbs: [list, watch] }
  managed: []
  anyNamespace:
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, patch] }
renderer:
  namespaced:
    - { apiGroups: [flotilla.dev], resources: [appprojects], verbs: [get, list, watch] }
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch] }
    - { apiGroups: [""], resources: [configmaps], verbs: [list, watch] }
    - { apiGroups: [""], resources: [secrets], verbs: [list, watch] }
  managed: []
  anyNamespace:
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch] }
differ:
  namespaced:
    - { apiGroups: [flotilla.dev], resources: [appprojects], verbs: [get, list, watch, create] }
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, patch] }
    - { apiGroups: [flotilla.dev], resources: [applications/status], verbs: [patch] }
    - { apiGroups: [""], resources: [configmaps], verbs: [get, list, watch] }
    - { apiGroups: [""], resources: [secrets], verbs: [list] }
  managed:
    - { apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch, create, patch] }
  anyNamespace:
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, patch] }
    - { apiGroups: [flotilla.dev], resources: [applications/status], verbs: [patch] }
applier:
  namespaced:
    - { apiGroups: [flotilla.dev], resources: [appprojects], verbs: [get, list, watch] }
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, patch, update] }
    - { apiGroups: [flotilla.dev], resources: [applications/status], verbs: [patch, update] }
    - { apiGroups: [""], resources: [configmaps], verbs: [get, list, watch] }
    - { apiGroups: [""], resources: [secrets], verbs: [list] }
    - { apiGroups: [""], resources: [events], verbs: [create, patch] }
  managed:
    - { apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch, create, update, patch, delete] }
    - { apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate] }
  anyNamespace:
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, patch, update] }
    - { apiGroups: [flotilla.dev], resources: [applications/status], verbs: [patch, update] }
    - { apiGroups: [""], resources: [events], verbs: [create, patch] }
hook-runner:
  namespaced:
    - { apiGroups: [""], resources: [configmaps], verbs: [get, list, watch] }
    - { apiGroups: [""], resources: [secrets], verbs: [list] }
  managed:
    - { apiGroups: ["*"], resources: ["*"], verbs: [get, list, watch, create, update, patch, delete] }
    - { apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate] }
appset:
  namespaced:
    # The project of a set outside this namespace, before its Git generators read.
    - { apiGroups: [flotilla.dev], resources: [appprojects], verbs: [get] }
    - { apiGroups: [flotilla.dev], resources: [applicationsets], verbs: [get, list, watch] }
    - { apiGroups: [flotilla.dev], resources: [applicationsets/status], verbs: [patch] }
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, create, update, patch, delete] }
    - { apiGroups: [""], resources: [secrets], verbs: [list, watch] }
    # The pullRequest generator's caRef.
    - { apiGroups: [""], resources: [configmaps], verbs: [get] }
  managed: []
  anySetNamespace:
    - { apiGroups: [flotilla.dev], resources: [applicationsets], verbs: [get, list, watch] }
    - { apiGroups: [flotilla.dev], resources: [applicationsets/status], verbs: [patch] }
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get, list, watch, create, update, patch, delete] }
    # tokenRef and passwordRef Secrets, caRef ConfigMaps: in the set's own namespace.
    - { apiGroups: [""], resources: [secrets], verbs: [list] }
    - { apiGroups: [""], resources: [configmaps], verbs: [get] }
notifier:
  namespaced:
    - { apiGroups: [flotilla.dev], resources: [applications, appprojects], verbs: [get] }
    - { apiGroups: [""], resources: [configmaps], resourceNames: [{{ .Values.notifications.configMap | quote }}], verbs: [get] }
    - { apiGroups: [""], resources: [secrets], resourceNames: [{{ .Values.notifications.secret | quote }}], verbs: [get] }
  managed: []
  anyNamespace:
    - { apiGroups: [flotilla.dev], resources: [applications], verbs: [get] }
{{- end -}}
