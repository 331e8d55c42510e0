#!/usr/bin/env bash
# Shows bellm used from a separate Maven project by coordinates:
#   1. clones this checkout into a temporary folder with no ../shared beside it and runs `mvn install` there
#      (the default tests run; those needing the shared data are left out), which puts dev.bellm:* in ~/.m2;
#   2. builds examples/maven-consumer, which imports dev.bellm:bellm-bom and depends on bellm-embed;
#   3. runs it on a model (default: stories260K from the shared data) with the JVM flags bellm needs, and
#      once without them, which must fail with the exception that names the flags.
# Usage: scripts/maven-consumer.sh [MODEL]    (extra Maven flags in MVN_FLAGS, e.g. MVN_FLAGS=-o)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODEL="${1:-${BELLM_DATA:-$ROOT/../shared}/models/stories260K/stories260K.bin}"
MODEL="$(cd "$(dirname "$MODEL")" && pwd)/$(basename "$MODEL")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

git clone -q "$ROOT" "$WORK/bellm"
( cd "$WORK/bellm" && git -C "$ROOT" diff HEAD | git apply --allow-empty )   # uncommitted work too
[[ ! -e "$WORK/shared" ]] || { echo "unexpected $WORK/shared" >&2; exit 1; }
echo "== mvn install in a fresh clone without ../shared" >&2
mvn -B -q ${MVN_FLAGS:-} -Dtest.xmx=2g -f "$WORK/bellm/pom.xml" install -pl bellm-bom,bellm-engine,bellm-embed -am

echo "== the consumer project, by coordinates" >&2
cp -r "$ROOT/examples/maven-consumer" "$WORK/consumer"
mvn -B -q ${MVN_FLAGS:-} -f "$WORK/consumer/pom.xml" package dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt"
CP="$WORK/consumer/target/classes:$(cat "$WORK/cp.txt")"
OUT="$("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp "$CP" com.example.EmbedHello "$MODEL" 2>/dev/null)"
echo "$OUT"
[[ "$OUT" == dimension* ]] || { echo "consumer did not embed" >&2; exit 1; }

echo "== the same without the JVM flags: a clear exception" >&2
if ERR="$("$JAVA_HOME/bin/java" -cp "$CP" com.example.EmbedHello "$MODEL" 2>&1)"; then
  echo "ran without the Vector API flags?" >&2; exit 1
fi
echo "$ERR" | grep -m1 'MissingVectorModuleException'
echo "$ERR" | grep -q -- '--add-modules jdk.incubator.vector'
echo "maven-consumer: OK" >&2
