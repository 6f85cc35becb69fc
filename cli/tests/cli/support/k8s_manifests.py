"""What the Kubernetes schemas cannot check in deploy/kubernetes: that the pieces fit.

python k8s_manifests.py DIR -- exits non-zero naming each broken rule:
- every pod template's labels are selected by its controller and by its headless Service,
  which has no cluster IP and publishes not-ready addresses;
- the StatefulSet starts its pods in parallel, names that Service, and tells the
  entrypoint its replica count (STROM_REPLICAS) and a host pattern under that Service;
- the Indexed Job runs all its indexes at once (parallelism = completions =
  STROM_REPLICAS) under that Service (spec.subdomain);
- the REST Service selects only pod 0, carries the Prometheus scrape annotations for
  the port it serves, and the token comes from a Secret the manifests define;
- every ConfigMap and Secret a pod refers to is defined.
"""

import glob
import os
import sys

import yaml

problems = []


def check(ok, what):
    if not ok:
        problems.append(what)


docs = []
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml"))):
    with open(path) as f:
        docs.extend(d for d in yaml.safe_load_all(f) if d and d.get("kind") != "Kustomization")
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d


def env_of(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


def headless(name, pod_labels):
    svc = by_kind.get("Service", {}).get(name)
    check(svc is not None, f"no Service {name}")
    if svc is None:
        return
    spec = svc["spec"]
    check(spec.get("clusterIP") == "None", f"Service {name} is not headless")
    check(spec.get("publishNotReadyAddresses") is True, f"Service {name} hides not-ready pods")
    check(selects(spec["selector"], pod_labels), f"Service {name} does not select the pods")
    check(any(p["port"] == 2101 for p in spec["ports"]), f"Service {name} lacks port 2101")


def pod_refs(pod_spec):
    """ConfigMaps and Secrets a pod spec uses."""
    refs = []
    for c in pod_spec["containers"]:
        for e in c.get("envFrom", []):
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                if key in e:
                    refs.append((kind, e[key]["name"]))
        for e in c.get("env", []):
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs.append(("Secret", ref["name"]))
    for v in pod_spec.get("volumes", []):
        if "configMap" in v:
            refs.append(("ConfigMap", v["configMap"]["name"]))
    return refs


def pattern_under(pattern, service, pod_prefix):
    want = f"{pod_prefix}-{{i}}.{service}."
    check(pattern.startswith(want) and pattern.endswith(":2101"),
          f"host pattern {pattern!r} is not {want}...:2101")


sts_all = by_kind.get("StatefulSet", {})
check(len(sts_all) == 1, "one StatefulSet")
for name, sts in sts_all.items():
    spec = sts["spec"]
    labels = spec["template"]["metadata"]["labels"]
    check(spec.get("podManagementPolicy") == "Parallel", f"StatefulSet {name}: pods not started in parallel")
    check(selects(spec["selector"]["matchLabels"], labels), f"StatefulSet {name}: selector misses its pods")
    headless(spec["serviceName"], labels)
    env = env_of(spec["template"]["spec"]["containers"][0])
    check(env.get("STROM_REPLICAS") == str(spec["replicas"]), f"StatefulSet {name}: STROM_REPLICAS != replicas")
    pattern_under(env.get("STROM_HOST_PATTERN", ""), spec["serviceName"], name)
    for kind, ref in pod_refs(spec["template"]["spec"]):
        check(ref in by_kind.get(kind, {}), f"StatefulSet {name} uses {kind} {ref}, not defined")
    rest = [s for s in by_kind.get("Service", {}).values()
            if s["spec"].get("selector", {}).get("statefulset.kubernetes.io/pod-name")]
    check(len(rest) == 1, "one Service for the REST endpoint")
    for svc in rest:
        sel = svc["spec"]["selector"]
        check(sel["statefulset.kubernetes.io/pod-name"] == f"{name}-0", "REST Service selects pod 0")
        check(selects(sel, {**labels, "statefulset.kubernetes.io/pod-name": f"{name}-0"}),
              "REST Service selector misses pod 0")
        ann = svc["metadata"].get("annotations", {})
        check(ann.get("prometheus.io/scrape") == "true", "REST Service: Prometheus scrape annotation")
        check(ann.get("prometheus.io/path") == "/metrics", "REST Service: Prometheus path")
        port = ann.get("prometheus.io/port")
        check(any(str(p["port"]) == port for p in svc["spec"]["ports"]), "REST Service: Prometheus port served")
        args = spec["template"]["spec"]["containers"][0]["args"]
        check(f"0.0.0.0:{port}" in args, "the job's REST endpoint listens on the scraped port")
    token = [e for e in spec["template"]["spec"]["containers"][0]["env"] if e["name"] == "STROM_REST_TOKEN"]
    check(len(token) == 1 and "secretKeyRef" in token[0].get("valueFrom", {}), "REST token from a Secret")

jobs = by_kind.get("Job", {})
check(len(jobs) == 1, "one Job")
for name, job in jobs.items():
    spec = job["spec"]
    tpl = spec["template"]
    check(spec.get("completionMode") == "Indexed", f"Job {name} is not Indexed")
    env = env_of(tpl["spec"]["containers"][0])
    check(spec["parallelism"] == spec["completions"] and env.get("STROM_REPLICAS") == str(spec["completions"]),
          f"Job {name}: parallelism, completions and STROM_REPLICAS differ")
    sub = tpl["spec"].get("subdomain")
    check(sub is not None, f"Job {name} has no subdomain")
    headless(sub, tpl["metadata"]["labels"])
    pattern_under(env.get("STROM_HOST_PATTERN", ""), sub, name)
    for kind, ref in pod_refs(tpl["spec"]):
        check(ref in by_kind.get(kind, {}), f"Job {name} uses {kind} {ref}, not defined")

checkpoints = [cm["data"].get("STROM_CHECKPOINT_DIR", "") for cm in by_kind.get("ConfigMap", {}).values()]
check(any(c.startswith("s3://") for c in checkpoints), "checkpoints on S3-compatible storage")

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
