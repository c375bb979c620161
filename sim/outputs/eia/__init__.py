"""eia.docx: the evidence laid out as a council Equality Impact Assessment, with its stated
impact rating."""
