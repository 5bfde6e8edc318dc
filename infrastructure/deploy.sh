#!/usr/bin/env bash
# Deploy one stage of Onsale into the AWS account and region of the current credentials:
#
#   infrastructure/deploy.sh STAGE        (make deploy STAGE=...)
#
# 1. package: `chalice package --merge-template infrastructure/template.yaml` (infrastructure/package.py)
# 2. `aws cloudformation package` (uploads deployment.zip) and `aws cloudformation deploy`, with the
#    parameters in infrastructure/stages/STAGE.params
# 3. the web app: web/ to the stack's bucket, with a config.js naming the stack's API, then a
#    CloudFront invalidation
# 4. the search index: mapping and access roles applied to the OpenSearch domain
#    (infrastructure/opensearch_setup.py)
# 5. prints the stack's outputs.
#
# Environment: AWS_REGION (or AWS_DEFAULT_REGION, or the CLI profile's region), optional
# AWS_PROFILE, ONSALE_STACK_NAME (default onsale-STAGE), ONSALE_ARTIFACT_BUCKET (default
# onsale-artifacts-ACCOUNT-REGION, created if missing), PYTHON (default .venv/bin/python),
# ONSALE_BUILD_DIR (default build/STAGE: the package, the packaged template, config.js).
set -euo pipefail

usage() {
  echo "usage: $0 STAGE   (parameters in infrastructure/stages/STAGE.params)" >&2
  exit 2
}

[ $# -eq 1 ] || usage
STAGE=$1
if ! [[ $STAGE =~ ^[a-z][a-z0-9-]{1,11}$ ]]; then
  echo "stage must be 2-12 lowercase letters, digits or dashes, starting with a letter" >&2
  exit 2
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
STACK=${ONSALE_STACK_NAME:-onsale-$STAGE}
PARAMS_FILE=$ROOT/infrastructure/stages/$STAGE.params
BUILD=${ONSALE_BUILD_DIR:-$ROOT/build/$STAGE}

command -v aws >/dev/null || { echo "the AWS CLI (aws) is required" >&2; exit 1; }
[ -x "$PY" ] || { echo "no Python at $PY: run 'make test' (or set PYTHON)" >&2; exit 1; }
[ -f "$PARAMS_FILE" ] || { echo "no parameters for stage $STAGE: create $PARAMS_FILE (see dev.params)" >&2; exit 1; }

PARAMS=("Stage=$STAGE")
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%$'\r'}
  [[ -z $line || $line == \#* ]] && continue
  if [[ $line != *=* ]]; then
    echo "$PARAMS_FILE: not Key=Value: $line" >&2
    exit 1
  fi
  if [[ $line == *"<"*">"* ]]; then
    echo "$PARAMS_FILE: replace the placeholder in: $line" >&2
    exit 1
  fi
  PARAMS+=("$line")
done <"$PARAMS_FILE"

REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}
[ -n "$REGION" ] || { echo "set AWS_REGION" >&2; exit 1; }
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION
ACCOUNT=$(aws sts get-caller-identity --query Account --output text)
ARTIFACTS=${ONSALE_ARTIFACT_BUCKET:-onsale-artifacts-$ACCOUNT-$REGION}

echo "Deploying stack $STACK (stage $STAGE) to account $ACCOUNT in $REGION"

# 1. The package: merged template and deployment.zip.
mkdir -p "$BUILD"
"$PY" "$ROOT/infrastructure/package.py" "$BUILD/package"

# 2. The stack. The artifact bucket holds deployment.zip and the (large) template.
if ! aws s3api head-bucket --bucket "$ARTIFACTS" 2>/dev/null; then
  echo "Creating artifact bucket $ARTIFACTS"
  if [ "$REGION" = us-east-1 ]; then
    aws s3api create-bucket --bucket "$ARTIFACTS" >/dev/null
  else
    aws s3api create-bucket --bucket "$ARTIFACTS" \
      --create-bucket-configuration "LocationConstraint=$REGION" >/dev/null
  fi
  aws s3api put-public-access-block --bucket "$ARTIFACTS" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
fi
aws cloudformation package \
  --template-file "$BUILD/package/sam.yaml" \
  --s3-bucket "$ARTIFACTS" --s3-prefix "$STACK" \
  --output-template-file "$BUILD/packaged.yaml"
aws cloudformation deploy \
  --template-file "$BUILD/packaged.yaml" \
  --stack-name "$STACK" \
  --s3-bucket "$ARTIFACTS" --s3-prefix "$STACK" \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --parameter-overrides "${PARAMS[@]}" \
  --tags "app=onsale" "stage=$STAGE" \
  --no-fail-on-empty-changeset

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}

API_URL=$(output ApiUrl)
WS_URL=$(output WebsocketUrl)
WEB_BUCKET=$(output WebBucketName)
DISTRIBUTION=$(output WebDistributionId)

# 3. The web app, reading its API and WebSocket addresses from config.js.
"$PY" - "$API_URL" "$WS_URL" "$BUILD/config.js" <<'PYTHON'
import json, sys

api_url, ws_url, path = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, "w") as out:
    out.write("// Written by infrastructure/deploy.sh from the stack outputs.\n")
    out.write(f"window.ONSALE_CONFIG = {{ apiUrl: {json.dumps(api_url)}, wsUrl: {json.dumps(ws_url)} }};\n")
PYTHON
aws s3 sync "$ROOT/web/" "s3://$WEB_BUCKET/" --delete \
  --exclude "config.js" --exclude ".*" --exclude "*/.*" \
  --cache-control "public, max-age=300"
aws s3 cp "$BUILD/config.js" "s3://$WEB_BUCKET/config.js" \
  --content-type "application/javascript" --cache-control "no-store"
aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths "/*" >/dev/null

# 4. The search index and who may use it.
NODES=$(output SearchInstanceCount)
REPLICAS=$(( NODES > 1 ? 1 : 0 ))
"$PY" "$ROOT/infrastructure/opensearch_setup.py" \
  --endpoint "$(output OpenSearchEndpoint)" \
  --region "$REGION" \
  --admin-role-arn "$(output SearchAdminRoleArn)" \
  --reader-role-arn "$(output ApiFunctionRoleArn)" \
  --indexer-role-arn "$(output SearchIndexerRoleArn)" \
  --index "$(output SearchIndexName)" \
  --replicas "$REPLICAS"

# 5. What admins and the web app need.
aws cloudformation describe-stacks --stack-name "$STACK" \
  --query "Stacks[0].Outputs[].[OutputKey,OutputValue]" --output table
cat <<EOF

Onsale $STAGE is deployed: $(output WebUrl)
API: $API_URL
Make someone an admin (after they signed up):
  aws cognito-idp admin-add-user-to-group --user-pool-id $(output UserPoolId) --username EMAIL --group-name admins
EOF
