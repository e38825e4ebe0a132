"""Listening's inverted index of the stream's words (listening/wordindex.py): its tables and the
triggers that keep it honest. Every stored message is marked dirty: backtests read those as they
did until `animateur listen index` (chunked, with its progress) or the periodic task has indexed
them."""

from django.db import migrations


def forwards(apps, schema_editor):
    from animateur.listening import wordindex

    wordindex.create(schema_editor.connection, mark_all=True)


def backwards(apps, schema_editor):
    from animateur.listening import wordindex

    wordindex.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("listening", "0001_initial"), ("stream", "0004_message_reactions")]

    operations = [migrations.RunPython(forwards, backwards)]
