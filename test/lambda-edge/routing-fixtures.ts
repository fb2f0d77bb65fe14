import * as fs from 'fs';
import * as path from 'path';
import type { CloudFrontRequestEvent, CloudFrontResponseEvent } from 'aws-lambda';

const DIR = path.join(__dirname, '..', 'fixtures', 'events');

/** A fresh copy of a CloudFront event fixture, so a test can change it freely. */
export function requestEvent(name: string): CloudFrontRequestEvent {
  return JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as CloudFrontRequestEvent;
}

export function responseEvent(name: string): CloudFrontResponseEvent {
  return JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as CloudFrontResponseEvent;
}
