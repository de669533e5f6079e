import 'reflect-metadata';
import { serveExportRequest } from './export-process.js';

/** The export's own process (forked by exportInChildProcess): one export, then it exits. */
serveExportRequest();
