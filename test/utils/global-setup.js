// One template database per test run (its name inherited by the workers), so that concurrent runs on one
// machine never collide. The first test file to need it creates and migrates it (see test-app.ts).
export default function globalSetup() {
  process.env.MRS_TEST_TEMPLATE = `mrs_tpl_${process.pid}_${Date.now().toString(36)}`;
}
