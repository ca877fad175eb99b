#!/usr/bin/env bash
# Embeds openapi.yaml into the server binary (served at GET /openapi.yaml), so a
# copied binary needs no resource folder. Run after editing openapi.yaml; a test
# (OpenAPITests) fails while the two differ.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo '// swift-format-ignore-file'
  echo '// Generated from openapi.yaml by scripts/embed-openapi.sh — do not edit.'
  echo '// A test checks that this copy equals openapi.yaml.'
  echo 'enum OpenAPIDocument {'
  echo '    static let yaml = #"""'
  cat openapi.yaml
  echo '"""#'
  echo '}'
} > Sources/SellifyServer/OpenAPIDocument.swift
