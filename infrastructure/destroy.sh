#!/usr/bin/env bash
# Delete one stage of Onsale:
#
#   infrastructure/destroy.sh STAGE [--production]        (make destroy STAGE=...)
#
# Empties the web bucket (CloudFormation cannot delete a bucket with objects), then deletes the
# stack and waits. A production stage (stack output Production=true) is only deleted with
# --production, and even then its tables, user pool and search domain are retained
# (DeletionPolicy Retain): delete those by hand, or redeploying the stage will fail on their names.
set -euo pipefail

usage() {
  echo "usage: $0 STAGE [--production]" >&2
  exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
STAGE=$1
ALLOW_PRODUCTION=false
if [ $# -eq 2 ]; then
  [ "$2" = --production ] || usage
  ALLOW_PRODUCTION=true
fi
if ! [[ $STAGE =~ ^[a-z][a-z0-9-]{1,11}$ ]]; then
  echo "stage must be 2-12 lowercase letters, digits or dashes, starting with a letter" >&2
  exit 2
fi

STACK=${ONSALE_STACK_NAME:-onsale-$STAGE}
command -v aws >/dev/null || { echo "the AWS CLI (aws) is required" >&2; exit 1; }
REGION=${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}
[ -n "$REGION" ] || { echo "set AWS_REGION" >&2; exit 1; }
export AWS_REGION=$REGION AWS_DEFAULT_REGION=$REGION

if ! aws cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1; then
  echo "No stack $STACK in $REGION: nothing to delete"
  exit 0
fi

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}

PRODUCTION=$(output Production)
if [ "$PRODUCTION" = true ] && [ "$ALLOW_PRODUCTION" != true ]; then
  echo "$STACK is a production stage: rerun with --production to delete it" >&2
  echo "(its tables, user pool and search domain are kept either way)" >&2
  exit 1
fi

WEB_BUCKET=$(output WebBucketName)
if [ -n "$WEB_BUCKET" ] && [ "$WEB_BUCKET" != None ]; then
  echo "Emptying s3://$WEB_BUCKET"
  aws s3 rm "s3://$WEB_BUCKET" --recursive
fi

echo "Deleting stack $STACK in $REGION"
aws cloudformation delete-stack --stack-name "$STACK"
aws cloudformation wait stack-delete-complete --stack-name "$STACK"
echo "Deleted $STACK"
if [ "$PRODUCTION" = true ]; then
  echo "Retained: the onsale-$STAGE-* tables, the onsale-$STAGE-users user pool and the onsale-$STAGE search domain"
fi
