#!/bin/bash
#
# A Spark executor in the trainer image, for distributed runs on Kubernetes (trainer.spark.master =
# k8s://...). The trainer, as Spark's driver, creates executor pods from the chart's pod template,
# whose command is this script; Spark adds the argument `executor` and describes the executor in the
# environment (SPARK_DRIVER_URL, SPARK_EXECUTOR_ID, ... and its JVM options as SPARK_JAVA_OPT_0..n).
# Spark's own image does this in its entrypoint; this image is the trainer's Spring Boot jar
# unpacked, so the class path is the jar's own (BOOT-INF/classpath.idx, in the order JarLauncher
# uses) and the main class is Spark's Kubernetes executor backend from spark-kubernetes.
# JDK_JAVA_OPTIONS (the image's, with Spark's Java 17 options) and JAVA_TOOL_OPTIONS (the pod
# template's) reach this JVM through the java launcher as in the trainer.
set -euo pipefail

if [ "${1:-executor}" != executor ]; then
  echo "spark-executor.sh: Spark starts executors with the argument 'executor', not '$1'" >&2
  exit 64
fi
for name in SPARK_DRIVER_URL SPARK_EXECUTOR_ID SPARK_EXECUTOR_CORES SPARK_APPLICATION_ID \
            SPARK_EXECUTOR_POD_IP SPARK_EXECUTOR_POD_NAME SPARK_EXECUTOR_MEMORY; do
  if [ -z "${!name:-}" ]; then
    echo "spark-executor.sh: $name is not set; this script runs in executor pods that Spark creates" >&2
    exit 64
  fi
done

app=${SPARK_EXECUTOR_APP_DIR:-/app}
classpath="$app/BOOT-INF/classes"
while IFS= read -r line; do
  jar=${line#- \"}
  classpath="$classpath:$app/${jar%\"}"
done < "$app/BOOT-INF/classpath.idx"

# SPARK_JAVA_OPT_<n>, in n's order: the executor's Spark settings and spark.executor.extraJavaOptions.
java_opts=()
while IFS= read -r name; do
  java_opts+=("${!name}")
done < <(compgen -e | grep -E '^SPARK_JAVA_OPT_[0-9]+$' | sort -t_ -k4 -n)

exec java "${java_opts[@]}" \
  -Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" \
  -Dlogback.configurationFile="$app/spark-executor-logback.xml" \
  -cp "$classpath" \
  org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
  --driver-url "$SPARK_DRIVER_URL" \
  --executor-id "$SPARK_EXECUTOR_ID" \
  --cores "$SPARK_EXECUTOR_CORES" \
  --app-id "$SPARK_APPLICATION_ID" \
  --hostname "$SPARK_EXECUTOR_POD_IP" \
  --resourceProfileId "${SPARK_RESOURCE_PROFILE_ID:-0}" \
  --podName "$SPARK_EXECUTOR_POD_NAME"
