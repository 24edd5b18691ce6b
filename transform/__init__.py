"""Transform: read every table of an SNM document (PDF or HTML) into contract rows and a reconciliation frame."""
