"""Reads `cargo test --no-run --message-format=json` on stdin and prints the test executables
built from one package's directory (its unit tests and integration tests), one per line."""
import json
import sys

package_dir = "/" + sys.argv[1].strip("/") + "/"
for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        continue
    if message.get("reason") != "compiler-artifact" or not message.get("executable"):
        continue
    if not message["profile"]["test"] or package_dir not in message["target"]["src_path"]:
        continue
    print(message["executable"])
