from ssg.cli import entry

entry()
